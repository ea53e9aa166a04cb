/** The report as a plain-text table (stdout) and as Markdown (RESULTS.md). */
import type { Row } from '../targets.js';
import { formatRatio, formatStat, verdict } from './format.js';

const HEADERS = [
  'Measurement',
  'Offline Kit: median (min–max)',
  'Workbox: median (min–max)',
  'ours / Workbox',
  'Target',
  'Result',
  'Correctness',
];

function cells(row: Row): string[] {
  return [
    row.label,
    formatStat(row.ours, row.unit),
    formatStat(row.workbox, row.unit),
    formatRatio(row.ratio),
    row.target,
    verdict(row.pass),
    row.correctness,
  ];
}

export function textTable(rows: Row[]): string {
  const body = rows.map(cells);
  const widths = HEADERS.map((h, i) =>
    Math.min(i === 0 ? 60 : 40, Math.max(h.length, ...body.map((r) => (r[i] ?? '').length))),
  );
  const line = (r: string[]): string =>
    r
      .slice(0, 6)
      .map((cell, i) =>
        cell.length > (widths[i] ?? 0)
          ? `${cell.slice(0, (widths[i] ?? 1) - 1)}…`
          : cell.padEnd(widths[i] ?? 0),
      )
      .join(' │ ') + (r[6] ? `\n${' '.repeat(4)}↳ ${r[6]}` : '');
  return [
    line(HEADERS.slice(0, 6)),
    widths
      .slice(0, 6)
      .map((w) => '─'.repeat(w))
      .join('─┼─'),
    ...body.map(line),
  ].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map((_, i) => (i === 0 || i === 6 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).map(escape).join(' | ')} |`),
  ].join('\n');
}
