export function formatTime(epochMs: number | null): string {
  if (epochMs === null) return '—';
  const d = new Date(epochMs);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** JSON as indented text; values JSON cannot hold (undefined, functions) show as their type. */
export function formatJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? typeof value;
  } catch {
    return `(${typeof value} that JSON cannot represent)`;
  }
}

/** One-line JSON for table cells, cut to `max` characters. */
export function formatInline(value: unknown, max = 120): string {
  let text: string;
  try {
    text = value === undefined ? '—' : (JSON.stringify(value) ?? typeof value);
  } catch {
    text = `(${typeof value})`;
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
