/**
 * The chart of a run: one horizontal bar per measurement on a log scale, each against its target line, so a person
 * sees at a glance which side of its target every figure lands. Every figure is plotted "lower is better".
 */
import type { Row } from '../targets.js';
import { formatRatio, verdict } from './format.js';

const WIDTH = 1320;
const LABEL_W = 500;
const PLOT_W = 460;
const ROW_H = 34;
const TOP = 70;
const MIN = 0.01;
const MAX = 10;

const x = (value: number): number => {
  const clamped = Math.min(MAX, Math.max(MIN, value));
  return LABEL_W + ((Math.log10(clamped) - Math.log10(MIN)) / (Math.log10(MAX) - Math.log10(MIN))) * PLOT_W;
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(rows: Row[], subtitle: string): string {
  const plotted = rows.filter((r) => r.chart !== null);
  const height = TOP + plotted.length * ROW_H + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="26" font-size="18" font-weight="600">Offline Kit against the Workbox recipe — lower is better, bars left of their target line pass</text>`,
    `<text x="16" y="48" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const tick of [0.01, 0.03, 0.1, 0.3, 1, 3, 10]) {
    const tx = x(tick);
    parts.push(
      `<line x1="${tx}" y1="${TOP - 8}" x2="${tx}" y2="${TOP + plotted.length * ROW_H}" stroke="${tick === 1 ? '#999' : '#e4e4e4'}"/>`,
      `<text x="${tx}" y="${TOP + plotted.length * ROW_H + 16}" text-anchor="middle" fill="#555">${tick}</text>`,
    );
  }
  plotted.forEach((row, i) => {
    const chart = row.chart;
    if (chart === null) return;
    const y = TOP + i * ROW_H;
    const colour = row.pass === false ? '#d9534f' : row.pass === true ? '#2e8b57' : '#888';
    const label = row.label.length > 72 ? `${row.label.slice(0, 71)}…` : row.label;
    parts.push(
      `<text x="16" y="${y + 20}"><title>${esc(row.label)}</title>${esc(label)}</text>`,
      `<rect x="${LABEL_W}" y="${y + 7}" width="${Math.max(1, x(chart.value) - LABEL_W)}" height="18" fill="${colour}" opacity="0.85"/>`,
      `<line x1="${x(chart.limit)}" y1="${y + 2}" x2="${x(chart.limit)}" y2="${y + 30}" stroke="#222" stroke-width="2.5"/>`,
    );
    if (chart.aim !== undefined) {
      parts.push(
        `<line x1="${x(chart.aim)}" y1="${y + 2}" x2="${x(chart.aim)}" y2="${y + 30}" stroke="#222" stroke-width="1.5" stroke-dasharray="3 3"/>`,
      );
    }
    parts.push(
      `<text x="${LABEL_W + PLOT_W + 14}" y="${y + 20}" fill="${colour}" font-weight="600">${verdict(row.pass)}</text>`,
      `<text x="${LABEL_W + PLOT_W + 58}" y="${y + 20}">${esc(`${chart.caption} ${formatRatio(chart.value)} (limit ${chart.limit})`)}</text>`,
    );
  });
  const legendY = TOP + plotted.length * ROW_H + 40;
  parts.push(
    `<text x="16" y="${legendY}" fill="#555">Solid black line: the target (limit); dashed: the aim. Log scale. Scale and budget rows are plotted as a share of their limit.</text>`,
    '</svg>',
  );
  return parts.join('\n');
}
