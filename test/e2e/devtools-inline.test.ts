/**
 * The devtools panel mounted inside the page (`@offline-kit/devtools-extension/inline`), for browsers without
 * extensions: no extension loaded, the overlay talks to the service worker over its own MessageChannel.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EXTENSION_DIR, buildExtension } from '../harness/devtools.js';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  recordsOf,
  screenshot,
  useSuite,
  waitFor,
  waitForQueueDrained,
} from '../harness/index.js';
import { isObject } from '../harness/guards.js';

/** Loads the built `dist/inline.js` as the ES module it is and opens the overlay. */
async function mountInline(page: Page): Promise<void> {
  buildExtension();
  const code = readFileSync(path.join(EXTENSION_DIR, 'inline.js'), 'utf8');
  // Kept as source text: the test runner would rewrite a dynamic import() inside a compiled function.
  await page.evaluate(`(async () => {
    const url = URL.createObjectURL(new Blob([${JSON.stringify(code)}], { type: 'text/javascript' }));
    const { mountInlinePanel } = await import(url);
    window.__offlineKitInline = mountInlinePanel();
  })()`);
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/**
 * What the overlay cuts off: anything reaching past the viewport's sides, a tab label or a time narrower than its
 * text, text cut in the Network view, a view wider than its pane. Described for the failure message.
 */
async function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-offline-kit-inline]')?.shadowRoot?.querySelector('.okp-root');
    const view = root?.querySelector('.okp-view');
    if (!root || !view) return ['no view'];
    const out: string[] = [];
    const name = (el: Element): string =>
      `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').slice(0, 40)}"`;
    if (view.scrollWidth > view.clientWidth + 1) out.push(`view scrolls sideways: ${view.scrollWidth}px`);
    for (const el of root.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      if (rect.right > window.innerWidth + 1 || rect.left < -1) out.push(`past the edge: ${name(el)}`);
      const mustShowAll =
        el.matches('.okp-time, [role="tab"], [role="tab"] *') || el.closest('[data-testid="okp-network"]');
      if (mustShowAll && el.scrollWidth > el.clientWidth + 1) out.push(`text cut: ${name(el)}`);
      if (el.matches('.okp-time') && el.getClientRects().length > 1)
        out.push(`time broken over lines: ${name(el)}`);
    }
    return out;
  });
}

describe('inline devtools overlay', () => {
  const suite = useSuite();

  it('shows the queue live inside the page and follows the system theme', async () => {
    const { context, page } = await suite.open();
    await mountInline(page);
    await waitFor(
      async () => (await byTestId(page, 'okp-connection').getAttribute('data-status')) === 'connected',
      {
        message: 'the overlay to connect to the service worker',
      },
    );
    await byTestId(page, 'okp-tab-queue').click();
    await goOffline(context);
    const answer = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Inline overlay write' }));
    expect(answer.status).toBe(202);
    await byTestId(page, 'okp-row').filter({ hasText: 'work-orders/' }).first().click();
    await waitFor(
      async () => (await byTestId(page, 'okp-write-body').textContent())?.includes('Inline overlay write'),
      {
        message: 'the queued write in the overlay',
      },
    );
    await screenshot(page, 'devtools-inline-queue-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'devtools-inline-queue-dark');
    await goOnline(context);
    await waitFor(
      async () =>
        (await suite.server.mock.liveRecords('work-orders')).find((r) => r.title === 'Inline overlay write'),
      { message: 'the write to reach the server' },
    );
    await waitFor(async () => (await byTestId(page, 'okp-queue-total').textContent()) === '0 writes', {
      message: 'the overlay to show the queue drained',
    });
    await byTestId(page, 'okp-close').click();
    expect(await page.locator('[data-offline-kit-inline]').count()).toBe(0);
  });

  it('opens a long queue page by page, scrolls to its end, and discards all of it in bulk', async () => {
    const { context, page } = await suite.open();
    await goOffline(context);
    const writes = 400;
    const statuses = await page.evaluate(async (count) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const response = await fetch('/api/work-orders', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title: `Long queue ${i + 1}` }),
        });
        out.push(response.status);
      }
      return out;
    }, writes);
    expect(statuses.every((status) => status === 202)).toBe(true);
    await mountInline(page);
    await byTestId(page, 'okp-tab-queue').click();
    await waitFor(
      async () => (await byTestId(page, 'okp-queue-total').textContent()) === `${writes} writes`,
      {
        message: 'the overlay to show the whole queue count',
      },
    );
    expect(await byTestId(page, 'okp-queue-list').getAttribute('data-total')).toBe(String(writes));
    expect(await byTestId(page, 'okp-row').count()).toBeLessThan(60);
    // The last rows are on a page not asked for yet: scrolling there loads them.
    await byTestId(page, 'okp-queue-list').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await waitFor(
      async () => (await page.locator(`[data-testid="okp-row"][aria-posinset="${writes}"]`).count()) === 1,
      {
        message: 'the last queued write to show after scrolling to the end',
      },
    );
    await screenshot(page, 'devtools-inline-queue-long');

    await byTestId(page, 'okp-queue-select-all').click();
    await waitFor(
      async () => (await byTestId(page, 'okp-queue-bulk-discard').textContent())?.includes(`(${writes})`),
      {
        message: 'every write of the queue selected, not only the loaded rows',
      },
    );
    await byTestId(page, 'okp-queue-bulk-discard').click();
    await byTestId(page, 'okp-queue-bulk-discard').click(); // the second click confirms
    await waitFor(async () => (await byTestId(page, 'okp-queue-total').textContent()) === '0 writes', {
      message: 'the overlay to show the queue emptied',
    });
    await goOnline(context);
    await waitFor(
      async () =>
        (await byTestId(page, 'okp-queue-bulk-message').textContent())?.includes(
          `Discarded ${writes} of ${writes}`,
        ),
      {
        message: 'the bulk outcome',
      },
    );
    expect(
      (await suite.server.mock.liveRecords('work-orders')).some((r) =>
        String(r.title).startsWith('Long queue'),
      ),
    ).toBe(false);
  });

  it('deletes a local record, and asks before discarding the queued writes of another', async () => {
    const { context, page } = await suite.open();
    expect(
      (await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Delete me locally' }))).status,
    ).toBe(201);
    await goOffline(context);
    const queued = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Queued then deleted' }));
    expect(queued.status).toBe(202);
    await mountInline(page);
    await byTestId(page, 'okp-tab-data').click();
    await byTestId(page, 'okp-row').filter({ hasText: 'Delete me locally' }).click();
    await byTestId(page, 'okp-record-delete').click();
    await waitFor(
      async () => (await byTestId(page, 'okp-data-note').textContent())?.includes('server still has it'),
      {
        message: 'the panel to say the record was deleted locally only',
      },
    );
    await waitFor(
      async () => (await byTestId(page, 'okp-row').filter({ hasText: 'Delete me locally' }).count()) === 0,
      { message: 'the deleted record gone from the list' },
    );
    await screenshot(page, 'devtools-inline-record-deleted');
    // The app's offline read no longer returns it; the server still holds it.
    const titles = recordsOf(await api(page, 'GET', '/api/work-orders')).map((r) => r.title);
    expect(titles).toContain('Queued then deleted');
    expect(titles).not.toContain('Delete me locally');
    const onServer = async (): Promise<unknown[]> =>
      (await suite.server.mock.liveRecords('work-orders')).map((r) => r.title);
    expect(await onServer()).toContain('Delete me locally');

    // A record with a queued write: nothing is dropped until the developer confirms the write goes too.
    await byTestId(page, 'okp-row').filter({ hasText: 'Queued then deleted' }).click();
    await byTestId(page, 'okp-record-delete').click();
    const confirm = byTestId(page, 'okp-drop-confirm');
    await waitFor(async () => (await confirm.textContent())?.includes('1 queued write not synced yet'), {
      message: 'the panel to name the queued write before discarding it',
    });
    expect(await confirm.textContent()).toContain('POST');
    await screenshot(page, 'devtools-inline-record-delete-confirm');
    const axe = await new AxeBuilder({ page })
      .include('[data-offline-kit-inline]')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    ).toEqual([]);
    await byTestId(page, 'okp-drop-discard').click();
    await waitFor(
      async () => (await byTestId(page, 'okp-row').filter({ hasText: 'Queued then deleted' }).count()) === 0,
      { message: 'the record gone from the list' },
    );
    await goOnline(context);
    await waitForQueueDrained(page);
    expect(await onServer()).not.toContain('Queued then deleted');
  });

  it('fits a phone (390×844): the tabs, the Network view and the times are not cut off', async () => {
    const { page } = await suite.open();
    await page.setViewportSize({ width: 390, height: 844 });
    expect((await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'From a phone' }))).status).toBe(
      201,
    );
    // A queued write puts a badge on the Queue tab: the tab strip at its widest. Simulated offline keeps server-mock
    // reachable for the Network view's presets.
    await kitOf(page).setSimulatedOffline(true);
    expect((await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Queued' }))).status).toBe(202);
    await mountInline(page);
    await byTestId(page, 'okp-tab-network').click();
    await byTestId(page, 'okp-mock-presets').waitFor();
    await byTestId(page, 'okp-sync-all').click();
    await byTestId(page, 'okp-last-run').waitFor();
    await screenshot(page, 'devtools-inline-phone-network');
    expect(await cutOff(page)).toEqual([]);
    await byTestId(page, 'okp-tab-history').click();
    await waitFor(async () => (await byTestId(page, 'okp-row').count()) > 0, { message: 'history rows' });
    await screenshot(page, 'devtools-inline-phone-history');
    expect(await cutOff(page)).toEqual([]);
    await byTestId(page, 'okp-tab-overview').click();
    await screenshot(page, 'devtools-inline-phone-overview');
    expect(await cutOff(page)).toEqual([]);
  });

  it('resizes from its top edge by pointer and keyboard, within the viewport, and remembers the height', async () => {
    const { page } = await suite.open();
    await page.setViewportSize({ width: 1000, height: 700 });
    await mountInline(page);
    const overlay = page.locator('[data-offline-kit-inline]');
    const handle = byTestId(page, 'okp-inline-resize');
    const height = async (): Promise<number> => Math.round((await overlay.boundingBox())?.height ?? 0);
    const box = await handle.boundingBox();
    if (!box) throw new Error('no resize handle');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, 200, { steps: 4 });
    await page.mouse.up();
    // The pointer took the handle a few pixels below the edge: the edge follows it from there.
    const dragged = await height();
    expect(Math.abs(dragged - 500)).toBeLessThanOrEqual(6);
    await handle.press('ArrowDown');
    expect(await height()).toBe(dragged - 20);
    await handle.press('End');
    expect(await height()).toBe(700);
    // Dragged past the top: held at the viewport's height, never beyond.
    await page.mouse.move(box.x + box.width / 2, 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, -300, { steps: 2 });
    await page.mouse.up();
    expect(await height()).toBe(700);
    await handle.press('PageDown');
    await handle.press('PageDown');
    await byTestId(page, 'okp-close').click();
    await mountInline(page);
    expect(await height()).toBe(500);
    await screenshot(page, 'devtools-inline-resized');
  });

  it('sets server-mock faults from the Network view', async () => {
    const { page } = await suite.open();
    await mountInline(page);
    await byTestId(page, 'okp-tab-network').click();
    await byTestId(page, 'okp-fault-fail-500').click();
    await waitFor(
      async () => {
        const { faults } = await suite.server.mock.state();
        return isObject(faults) && isObject(faults.failNext) && faults.failNext.status === 500;
      },
      { message: 'server-mock to hold the fault set from the panel' },
    );
    await waitFor(
      async () => (await byTestId(page, 'okp-mock-faults').textContent())?.includes('"status": 500'),
      {
        message: 'the panel to show the current faults',
      },
    );
    await screenshot(page, 'devtools-inline-network');
    await byTestId(page, 'okp-fault-clear').click();
    await waitFor(
      async () => {
        const { faults } = await suite.server.mock.state();
        return isObject(faults) && faults.failNext === null;
      },
      { message: 'the faults to be cleared' },
    );
  });
});
