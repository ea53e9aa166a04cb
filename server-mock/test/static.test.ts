import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/index.js';

// Static mounts: the sample app (SPA), the module's bundles, fixtures; same origin as the API.
const root = mkdtempSync(join(tmpdir(), 'server-mock-static-'));
let server: RunningServer;
let missing: RunningServer;

beforeAll(async () => {
  mkdirSync(join(root, 'app', 'assets'), { recursive: true });
  mkdirSync(join(root, 'sw'));
  writeFileSync(join(root, 'app', 'index.html'), '<!doctype html><title>App</title>');
  writeFileSync(join(root, 'app', 'sw.js'), 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(root, 'app', 'manifest.webmanifest'), '{}');
  writeFileSync(join(root, 'app', 'assets', 'index-abc.mjs'), 'export {};');
  writeFileSync(join(root, 'app', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'sw', 'offline-kit-sw.js'), 'var OfflineKit = {};');
  writeFileSync(join(root, 'secret.txt'), 'outside every mount');
  server = await startServer({
    quiet: true,
    seedParts: 0,
    static: [
      { prefix: '/', dir: join(root, 'app'), spa: true },
      { prefix: '/offline-kit/', dir: join(root, 'sw') },
    ],
  });
  missing = await startServer({
    quiet: true,
    seedParts: 0,
    static: [{ prefix: '/', dir: join(root, 'not-built'), spa: true }],
  });
});
afterAll(async () => {
  await server.close();
  await missing.close();
  rmSync(root, { recursive: true, force: true });
});

describe('static files', () => {
  it('serves files with their content types, revalidation headers and Service-Worker-Allowed on workers', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>App</title>');
    const sw = await fetch(`${server.url}/sw.js`);
    expect(sw.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(sw.headers.get('service-worker-allowed')).toBe('/');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const kit = await fetch(`${server.url}/offline-kit/offline-kit-sw.js`);
    expect(await kit.text()).toBe('var OfflineKit = {};');
    expect(kit.headers.get('service-worker-allowed')).toBe('/');
    expect((await fetch(`${server.url}/manifest.webmanifest`)).headers.get('content-type')).toContain(
      'application/manifest+json',
    );
    expect((await fetch(`${server.url}/assets/index-abc.mjs`)).headers.get('content-type')).toContain(
      'text/javascript',
    );
    expect((await fetch(`${server.url}/icon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    const etag = index.headers.get('etag') ?? '';
    expect((await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('answers navigations to client-side routes with index.html, but not missing assets', async () => {
    const route = await fetch(`${server.url}/work-orders/wo_1`, { headers: { accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>App</title>');
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside a mount', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/offline-kit/..%2f..%2fsecret.txt']) {
      const answer = await fetch(`${server.url}${path}`);
      expect(await answer.text()).not.toContain('outside every mount');
    }
  });

  it('says to run npm run build when the app is not built', async () => {
    const page = await fetch(`${missing.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('npm run build');
  });
});
