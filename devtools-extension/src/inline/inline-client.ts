/**
 * `PanelClient` of the inline overlay: the page itself holds the `SwLink` (no extension in between) and calls
 * server-mock's control API with its own fetch.
 */
import { BaseClient, connectionFromHook } from '../link/base-client.js';
import { performMock } from '../link/mock-fetch.js';
import { SwLink } from '../link/sw-link.js';
import type { CallId, MockRequest, PanelCall } from '../protocol/relay.js';

export class InlineClient extends BaseClient {
  private readonly link: SwLink;

  constructor(win: Window = window) {
    super();
    this.link = new SwLink({
      container:
        win.isSecureContext && 'serviceWorker' in win.navigator ? win.navigator.serviceWorker : undefined,
      onAnswer: (answer) => this.receiveAnswer(answer),
      onEvent: (event) => this.receiveEvent(event),
      onState: (hook) => this.setConnection(connectionFromHook(hook)),
    });
    this.origin = win.location.origin;
    this.link.start();
  }

  private readonly origin: string;

  close(): void {
    this.link.stop();
  }

  protected sendCall(call: PanelCall): void {
    this.link.send(call);
  }

  protected sendMock(id: CallId, request: MockRequest): void {
    performMock(request, this.origin).then(
      (response) => this.receiveMock(id, { ok: true, response }),
      (error: unknown) =>
        this.receiveMock(id, { ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  }
}
