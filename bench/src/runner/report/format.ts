import type { Row } from '../targets.js';
import type { Stat } from '../stats.js';

export function formatValue(value: number, unit: Row['unit']): string {
  if (unit === 'ms') {
    if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(2)} s`;
    return `${value.toFixed(Math.abs(value) < 10 ? 2 : 1)} ms`;
  }
  if (unit === 'records/s') return `${Math.round(value).toLocaleString('en')} rec/s`;
  if (unit === 'KB') return `${value.toFixed(1)} KB`;
  if (unit === 'MB') return `${value.toFixed(1)} MB`;
  return `${value.toFixed(2)}×`;
}

/** `4.61 ms (4.40–4.90)`, or `—` when not measured. */
export function formatStat(s: Stat | null, unit: Row['unit']): string {
  if (s === null) return '—';
  if (s.n === 1 || s.min === s.max) return formatValue(s.median, unit);
  return `${formatValue(s.median, unit)} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)}, n=${s.n})`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : ratio.toFixed(ratio < 0.1 ? 3 : 2);
}

export function verdict(pass: boolean | null): string {
  return pass === null ? '·' : pass ? 'PASS' : 'FAIL';
}
