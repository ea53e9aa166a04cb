// Draws the app icons (PNG) with no image library and no download: a clipboard with a check mark on the brand blue.
// Run `npm run icons -w sample-app` after changing the drawing; the PNGs are committed.
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BLUE = [15, 76, 129] as const;
const WHITE = [255, 255, 255] as const;
const ORANGE = [245, 158, 11] as const;

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

type Rgba = [number, number, number, number];

function png(size: number, pixel: (u: number, v: number) => Rgba): Buffer {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      row.set([r, g, b, a], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const inRoundRect = (
  x: number,
  y: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
): boolean => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const nearSegment = (
  x: number,
  y: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  w: number,
): boolean => {
  const t = Math.max(
    0,
    Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
  );
  return (x - ax - t * (bx - ax)) ** 2 + (y - ay - t * (by - ay)) ** 2 <= w * w;
};

/** `inset` shrinks the drawing into the maskable safe zone (the centre 80%). */
function icon(inset: number, rounded: boolean): (u: number, v: number) => Rgba {
  return (u, v) => {
    const x = (u - 0.5) / inset + 0.5;
    const y = (v - 0.5) / inset + 0.5;
    if (rounded && !inRoundRect(u, v, 0, 0, 1, 1, 0.18)) return [0, 0, 0, 0];
    if (nearSegment(x, y, 0.37, 0.55, 0.47, 0.65, 0.035) || nearSegment(x, y, 0.47, 0.65, 0.65, 0.44, 0.035))
      return [...BLUE, 255];
    if (inRoundRect(x, y, 0.39, 0.17, 0.61, 0.29, 0.04)) return [...ORANGE, 255];
    if (inRoundRect(x, y, 0.26, 0.22, 0.74, 0.84, 0.06)) return [...WHITE, 255];
    return [...BLUE, 255];
  };
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', png(192, icon(1, true)));
writeFileSync('public/icons/icon-512.png', png(512, icon(1, true)));
writeFileSync('public/icons/icon-maskable-512.png', png(512, icon(0.8, false)));
