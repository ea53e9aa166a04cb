import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface StaticMount {
  /** URL path prefix, e.g. `/` or `/offline-kit/`. */
  prefix: string;
  /** Directory served under it. */
  dir: string;
  /** Answer navigations to unknown paths with the mount's index.html (client-side routing). */
  spa?: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
};

const SERVICE_WORKER = /(^|[-_.])(sw|service-?worker)([-_.]|$)/i;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Offline Kit — not built yet</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The sample app is not built yet</h1>
<p>Run <code>npm run build</code> at the root of the repository, then reload this page.</p>
<p>The sync API is already answering at <a href="/api/_sync"><code>/api/_sync</code></a>.</p>
</body></html>`;

/** Normalises mounts: prefixes end with `/`, longest first so `/offline-kit/` wins over `/`. */
export function normaliseMounts(mounts: readonly StaticMount[]): StaticMount[] {
  return mounts
    .map((mount) => ({
      ...mount,
      prefix: mount.prefix.endsWith('/') ? mount.prefix : `${mount.prefix}/`,
      dir: resolve(mount.dir),
    }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/** Serves a file from the first matching mount. Returns false when no mount answers this path. */
export async function serveStatic(
  mounts: readonly StaticMount[],
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return false;
  }
  if (pathname.includes('\0')) return false;
  const mount = mounts.find((m) => pathname.startsWith(m.prefix) || `${pathname}/` === m.prefix);
  if (!mount) return false;

  const relative = pathname.slice(mount.prefix.length);
  const file = resolve(mount.dir, relative);
  // Never leave the mount: `..` and absolute tricks resolve outside `dir` and are refused.
  if (file !== mount.dir && !file.startsWith(mount.dir + sep)) return false;

  let found = await fileAt(file);
  if (found === null && (await isDirectory(file))) found = await fileAt(join(file, 'index.html'));
  if (found === null && mount.spa && isNavigation(req, relative)) {
    found = await fileAt(join(mount.dir, 'index.html'));
    if (found === null) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
      return true;
    }
  }
  if (found === null) return false;
  await sendFile(req, res, found.path, found.stats);
  return true;
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  stats: Stats,
): Promise<void> {
  const name = path.slice(path.lastIndexOf(sep) + 1);
  const extension = extname(name).toLowerCase();
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    ETag: etag,
    'Last-Modified': stats.mtime.toUTCString(),
    // Revalidate everything (cheap with the ETag): a demo server must never hand out a stale service worker.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (
    (extension === '.js' || extension === '.mjs') &&
    SERVICE_WORKER.test(name.slice(0, -extension.length))
  ) {
    headers['Service-Worker-Allowed'] = '/';
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(stats.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(path), res);
}

async function fileAt(path: string): Promise<{ path: string; stats: Stats } | null> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? { path, stats } : null;
  } catch {
    return null;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** A page load (not a script, image or API call) that client-side routing should answer. */
function isNavigation(req: IncomingMessage, relative: string): boolean {
  if (relative === '') return true;
  const mode = req.headers['sec-fetch-mode'];
  if (mode === 'navigate') return true;
  const accept = req.headers.accept ?? '';
  const last = relative.slice(relative.lastIndexOf('/') + 1);
  return accept.includes('text/html') && !last.includes('.');
}
