/** Mounting helpers for the panel tests (happy-dom): flush Preact's effects and the fake's promises. */
import { mount, type MountedPanel } from '../src/ui/mount.js';
import type { PanelClient } from '../src/ui/client.js';

export interface Rendered {
  container: HTMLElement;
  panel: MountedPanel;
  $(testId: string): HTMLElement | null;
  $$(testId: string): HTMLElement[];
  text(): string;
  click(testId: string): Promise<void>;
  settle(): Promise<void>;
}

/** Lets promises resolve, effects run and the panel's debounced reloads (120 ms) happen. */
export async function settle(ms = 200): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, ms / 3));
  }
}

export async function render(client: PanelClient): Promise<Rendered> {
  const container = document.createElement('div');
  document.body.append(container);
  const panel = mount(container, client, { theme: 'light' });
  const $ = (testId: string): HTMLElement | null => container.querySelector(`[data-testid="${testId}"]`);
  const $$ = (testId: string): HTMLElement[] => [
    ...container.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`),
  ];
  const rendered: Rendered = {
    container,
    panel,
    $,
    $$,
    text: () => container.textContent ?? '',
    async click(testId) {
      const el = $(testId);
      if (!el) throw new Error(`no element with data-testid=${testId}`);
      el.click();
      await settle();
    },
    settle,
  };
  await settle();
  return rendered;
}
