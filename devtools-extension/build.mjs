// Builds the extension into dist/ (Chrome, MV3, load unpacked), dist/firefox/ (Firefox, MV3 with background.scripts,
// unpacked: what `web-ext lint` checks), the store packages dist/offline-kit-chrome.zip and
// dist/offline-kit-firefox.zip (load the latter from about:debugging or sign it as an .xpi), and dist/inline.js (the
// panel as an in-page overlay, ESM). Prints each bundle's size so growth is noticed.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  absWorkingDir: root,
  bundle: true,
  target: ['chrome111', 'firefox140'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

const scripts = {
  'background.js': 'src/extension/background.ts',
  'content-script.js': 'src/extension/content-script.ts',
  'page-hook.js': 'src/extension/page-hook.ts',
  'devtools.js': 'src/extension/devtools.ts',
  'panel.js': 'src/extension/panel.ts',
};

// ---- icons: a PNG encoder small enough to keep here, so the build needs no image tools.
function crc32(buf) {
  let c;
  const table = (crc32.table ??= Array.from({ length: 256 }, (_, n) => {
    c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  }));
  let crc = 0xffffffff;
  for (const byte of buf) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/**
 * A zip of every file under `dir` that `keep(path)` accepts (deflate, no directory entries): what Firefox loads as an
 * add-on and what both stores take.
 */
function zip(dir, keep = () => true) {
  const files = [];
  const walk = (rel) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (!keep(path)) continue;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk('');
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const path of files.sort()) {
    const data = readFileSync(join(dir, path));
    const packed = deflateRawSync(data);
    const name = Buffer.from(path, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00: a fixed time keeps the zip reproducible
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** The icon: a blue disc with a white ring broken by a gap (sync), drawn with 4x supersampling. */
function icon(size) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      let disc = 0;
      let ring = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const px = (x + (sx + 0.5) / 4) / size - 0.5;
          const py = (y + (sy + 0.5) / 4) / size - 0.5;
          const r = Math.hypot(px, py);
          if (r <= 0.48) disc++;
          const angle = Math.atan2(py, px);
          if (r >= 0.22 && r <= 0.32 && !(angle > -0.5 && angle < 0.5) && !(angle > 2.64 || angle < -2.64))
            ring++;
        }
      const a = disc / 16;
      const w = ring / 16;
      const o = 1 + x * 4;
      row[o] = Math.round(26 + (255 - 26) * w);
      row[o + 1] = Math.round(115 + (255 - 115) * w);
      row[o + 2] = Math.round(232 + (255 - 232) * w);
      row[o + 3] = Math.round(255 * a);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function manifest(browser) {
  const iconSizes = [16, 32, 48, 128];
  const icons = Object.fromEntries(iconSizes.map((s) => [String(s), `icons/icon-${s}.png`]));
  const matches = ['http://*/*', 'https://*/*'];
  return {
    manifest_version: 3,
    name: 'Offline Kit DevTools',
    short_name: 'Offline Kit',
    version: pkg.version,
    description: 'Inspect the Offline Kit write queue, local data, conflicts and sync history of a PWA.',
    icons,
    devtools_page: 'devtools.html',
    background: browser === 'chrome' ? { service_worker: 'background.js' } : { scripts: ['background.js'] },
    content_scripts: [
      { matches, js: ['content-script.js'], run_at: 'document_start' },
      // The hook must run in the page's world to reach navigator.serviceWorker.controller.
      { matches, js: ['page-hook.js'], run_at: 'document_start', world: 'MAIN' },
    ],
    ...(browser === 'chrome'
      ? { minimum_chrome_version: '111' }
      : {
          browser_specific_settings: {
            gecko: {
              id: 'offline-kit-devtools@offline-kit.invalid',
              // 140 (ESR) is the first to read data_collection_permissions; Firefox for Android, 142.
              strict_min_version: '140.0',
              // Nothing leaves the browser: the panel talks to the inspected page's own service worker only.
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }),
  };
}

async function buildInto(outdir, browser) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'icons'), { recursive: true });
  await build({
    ...common,
    entryPoints: Object.fromEntries(
      Object.entries(scripts).map(([out, src]) => [out.replace(/\.js$/, ''), src]),
    ),
    outdir,
    format: 'iife',
  });
  for (const page of ['panel.html', 'devtools.html']) cpSync(join(root, 'static', page), join(outdir, page));
  for (const size of [16, 32, 48, 128]) writeFileSync(join(outdir, 'icons', `icon-${size}.png`), icon(size));
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest(browser), null, 2)}\n`);
}

await buildInto(dist, 'chrome');
// The Chrome package: the unpacked extension above, without what else lives in dist/.
const chromeZip = zip(
  dist,
  (path) => path !== 'firefox' && !path.startsWith('inline.') && !path.endsWith('.zip'),
);
writeFileSync(join(dist, 'offline-kit-chrome.zip'), chromeZip);
const firefoxDir = join(dist, 'firefox');
await buildInto(firefoxDir, 'firefox');
writeFileSync(join(dist, 'offline-kit-firefox.zip'), zip(firefoxDir));
await build({
  ...common,
  entryPoints: { inline: 'src/inline/index.ts' },
  outdir: dist,
  format: 'esm',
});

// Declarations of the inline panel's entry for the npm package (`@offline-kit/devtools-extension/inline`), so apps
// type-check against .d.ts files rather than our sources under their own settings.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
await promisify(execFile)(process.execPath, [tsc, '-p', join(root, 'tsconfig.types.json')]).catch((error) => {
  console.error(`tsc (tsconfig.types.json) failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  throw error;
});

for (const file of [...Object.keys(scripts), 'inline.js']) {
  console.info(
    `devtools-extension/dist/${file.padEnd(18)} ${(statSync(join(dist, file)).size / 1024).toFixed(1)} KiB`,
  );
}
for (const file of ['offline-kit-chrome.zip', 'offline-kit-firefox.zip']) {
  console.info(`devtools-extension/dist/${file} ${(statSync(join(dist, file)).size / 1024).toFixed(1)} KiB`);
}
