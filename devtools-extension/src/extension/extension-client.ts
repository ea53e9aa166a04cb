/**
 * `PanelClient` of the DevTools panel: a runtime port to the background, named for the inspected tab. The port closes
 * when the browser stops the background worker; it is then opened again (which restarts the worker), and the page
 * hook reports its state anew, which tells the UI to reload what it shows.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { BaseClient, connectionFromHook } from '../link/base-client.js';
import {
  PANEL_PORT_PREFIX,
  readToPanel,
  wrap,
  type CallId,
  type MockRequest,
  type PanelCall,
  type ToPanel,
} from '../protocol/relay.js';

const RECONNECT_MS = [50, 200, 500, 1000];

export class ExtensionClient extends BaseClient {
  private port: Runtime.Port | null = null;
  private failures = 0;
  private closed = false;

  constructor(private readonly tabId: number) {
    super();
    this.open();
  }

  close(): void {
    this.closed = true;
    this.port?.disconnect();
    this.port = null;
  }

  protected sendCall(call: PanelCall): void {
    if (this.port) this.port.postMessage(wrap('to-hook', { kind: 'call', call }));
    else
      this.receiveAnswer({
        id: call.id,
        ok: false,
        error: { code: 'network', message: 'not connected to the extension background' },
      });
  }

  protected sendMock(id: CallId, request: MockRequest): void {
    if (!this.port) this.receiveMock(id, { ok: false, message: 'not connected to the page' });
    else this.port.postMessage(wrap('to-hook', { kind: 'mock', id, request }));
  }

  private open(): void {
    if (this.closed) return;
    const port = browser.runtime.connect({ name: `${PANEL_PORT_PREFIX}${this.tabId}` });
    this.port = port;
    port.onMessage.addListener((message: unknown) => {
      const body = readToPanel(message);
      if (body) this.onBody(body);
    });
    port.onDisconnect.addListener(() => {
      if (this.port !== port) return;
      this.port = null;
      this.failInFlight('the connection to the extension background was lost');
      if (this.closed) return;
      this.setConnection({ status: 'connecting', detail: 'Reconnecting to the extension…' });
      const delay = RECONNECT_MS[Math.min(this.failures, RECONNECT_MS.length - 1)] ?? 1000;
      this.failures += 1;
      setTimeout(() => this.open(), delay);
    });
  }

  private onBody(body: ToPanel): void {
    this.failures = 0;
    switch (body.kind) {
      case 'answer':
        this.receiveAnswer(body.answer);
        return;
      case 'event':
        this.receiveEvent(body.event);
        return;
      case 'hook-state':
        this.setConnection(connectionFromHook(body.hook));
        return;
      case 'mock':
        this.receiveMock(
          body.id,
          body.ok ? { ok: true, response: body.response } : { ok: false, message: body.message },
        );
        return;
      case 'tab-link':
        if (body.state === 'up') return;
        this.failInFlight('the page is reloading or navigating');
        this.setConnection(
          body.state === 'retrying'
            ? { status: 'connecting', detail: 'Waiting for the page…' }
            : { status: 'not-found', reason: 'no-content-script' },
        );
        return;
    }
  }
}
