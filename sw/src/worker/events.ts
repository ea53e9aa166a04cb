/** Publishes `OfflineKitEvent`s to every open page (BroadcastChannel) and every connected devtools panel. */
import { EVENTS_CHANNEL, type OfflineKitEvent } from '../protocol/api.js';
import { envelope } from '../protocol/devtools.js';

export class EventHub {
  private readonly channel: BroadcastChannel | null;
  private readonly ports = new Set<MessagePort>();

  constructor() {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(EVENTS_CHANNEL) : null;
  }

  emit(event: OfflineKitEvent): void {
    try {
      this.channel?.postMessage(event);
    } catch (error) {
      console.error('[offline-kit] could not publish an event', error);
    }
    for (const port of this.ports) {
      try {
        port.postMessage(envelope({ kind: 'event', event }));
      } catch {
        this.ports.delete(port);
      }
    }
  }

  addPort(port: MessagePort): () => void {
    this.ports.add(port);
    return () => this.ports.delete(port);
  }
}
