/**
 * The panel's papercuts, as a PWA developer meets them at 1280×800 (the inline overlay: the same UI as the DevTools
 * panel): the body view shows what "Save body" saved, invalid JSON gets one message, "Retry now" while offline says
 * why nothing happened, the error column is readable, the selected tab and badges are legible, and the button that
 * overwrites the server is not the primary one of a conflict.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EXTENSION_DIR, buildExtension } from '../harness/devtools.js';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  recordsOf,
  screenshot,
  useSuite,
  waitFor,
} from '../harness/index.js';

async function mountInline(page: Page): Promise<void> {
  buildExtension();
  const code = readFileSync(path.join(EXTENSION_DIR, 'inline.js'), 'utf8');
  await page.evaluate(`(async () => {
    const url = URL.createObjectURL(new Blob([${JSON.stringify(code)}], { type: 'text/javascript' }));
    const { mountInlinePanel } = await import(url);
    window.__offlineKitInline = mountInlinePanel();
  })()`);
  await waitFor(
    async () => (await byTestId(page, 'okp-connection').getAttribute('data-status')) === 'connected',
    { message: 'the overlay to connect to the service worker' },
  );
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const lum = (css: string): number => {
    const [r, g, bl] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const channel = (v = 0): number => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(bl);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('devtools panel papercuts', () => {
  const suite = useSuite();

  it('queue: saved body shown, one JSON message, offline retry explained, error column readable, legible tabs', async () => {
    const { context, page } = await suite.open();
    await page.setViewportSize({ width: 1280, height: 800 });
    await mountInline(page);
    await byTestId(page, 'okp-tab-queue').click();
    await goOffline(context);
    await api(page, 'POST', '/api/work-orders', jsonBody({ title: '' }));
    await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Papercut write' }));

    // The selected tab and the badges, as a person reads them.
    const tab = await byTestId(page, 'okp-tab-queue').evaluate((el) => {
      let bg = 'rgba(0, 0, 0, 0)';
      for (let node: Element | null = el; node; node = node.parentElement) {
        bg = getComputedStyle(node).backgroundColor;
        if (!bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') break;
      }
      return { color: getComputedStyle(el).color, bg };
    });
    expect(contrast(tab.color, tab.bg)).toBeGreaterThanOrEqual(4.5);
    const badge = byTestId(page, 'okp-badge-queue');
    await badge.waitFor();
    expect(parseFloat(await badge.evaluate((el) => getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(
      12,
    );

    // "Retry now" while offline: nothing can be sent, and the panel says so.
    await byTestId(page, 'okp-row').filter({ hasText: 'work-orders/' }).last().click();
    await byTestId(page, 'okp-write-retry').click();
    await waitFor(async () => /offline/i.test((await byTestId(page, 'okp-write-note').textContent()) ?? ''), {
      message: 'the panel to say the retry waits for the network',
    });

    // Invalid JSON: one message, not two.
    await waitFor(async () => (await byTestId(page, 'okp-write-edit').isEnabled()) || 'not yet', {
      message: 'Edit body enabled',
    });
    await byTestId(page, 'okp-write-edit').click();
    await byTestId(page, 'okp-write-editor-text').fill('{ "title": ');
    await byTestId(page, 'okp-write-save').click();
    await byTestId(page, 'okp-error').first().waitFor();
    expect(await byTestId(page, 'okp-write-details').getByRole('alert').count()).toBe(1);

    // "Save body": the body view shows the saved JSON.
    await byTestId(page, 'okp-write-editor-text').fill(JSON.stringify({ title: 'Saved in the panel' }));
    await byTestId(page, 'okp-write-save').click();
    await waitFor(
      async () =>
        (await byTestId(page, 'okp-write-body').textContent())?.includes('Saved in the panel') || 'old',
      { timeout: 5_000, message: 'the body view to show the saved body' },
    );
    await screenshot(page, 'devtools-papercuts-queue-saved');

    // Back online the empty title is refused: its error is readable in the list at 1280 px.
    await goOnline(context);
    const errorCell = byTestId(page, 'okp-row').filter({ hasText: 'failed' }).locator('.okp-c-error');
    await waitFor(
      async () => (await errorCell.count()) > 0 && ((await errorCell.first().textContent()) ?? '') !== '',
      {
        message: 'the refused write listed with its error',
      },
    );
    const cell = await errorCell.first().evaluate((el) => ({
      width: el.clientWidth,
      text: el.textContent ?? '',
      title: el.getAttribute('title'),
      truncated: el.scrollWidth > el.clientWidth + 1,
    }));
    await screenshot(page, 'devtools-papercuts-queue-error');
    expect(cell.width).toBeGreaterThanOrEqual(200);
    // The whole message is one hover away even when a longer one is cut.
    expect(cell.title).toBe(cell.text);
    expect(cell.truncated).toBe(false);
  });

  it('conflict: "Keep local", which overwrites the server, is not the primary button', async () => {
    const { context, page } = await suite.open();
    await page.setViewportSize({ width: 1280, height: 800 });
    const [record] = recordsOf(await api(page, 'GET', '/api/work-orders'));
    if (record === undefined) throw new Error('alice needs a work order in the seed');
    await goOffline(context);
    await api(page, 'PATCH', `/api/work-orders/${record.id}`, jsonBody({ title: 'Alice title' }));
    await suite.server.mock.edit({
      collection: 'work-orders',
      id: record.id,
      patch: { title: 'Bob title' },
      as: 'bob',
    });
    await goOnline(context);
    await mountInline(page);
    await byTestId(page, 'okp-tab-conflicts').click();
    await waitFor(async () => (await byTestId(page, 'okp-resolve-local').count()) > 0, {
      message: 'the conflict in the panel',
    });
    expect(await byTestId(page, 'okp-resolve-local').getAttribute('data-variant')).not.toBe('primary');
    expect(await byTestId(page, 'okp-resolve-local').textContent()).toMatch(/overwrite/i);
    await screenshot(page, 'devtools-papercuts-conflict');
  });
});
