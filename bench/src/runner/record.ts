/** The raw figures of a run: one sample per measurement, variant and repetition, and one check per replay. */
import type { VariantId } from './browser.js';

export type MeasurementId =
  | 'get-p50'
  /** Worker stopped → the first API read answered, median over a repetition's cold starts. */
  | 'cold-start-p50'
  | 'cold-start-latency-p50'
  | 'offline-read-p50'
  /** Records the offline answer lacks: the list seen online plus (ours) the pending creates overlaid. */
  | 'offline-read-missing'
  | 'enqueue-seq-p50'
  | 'enqueue-seq-total'
  | 'replay-0'
  | 'enqueue-burst-total'
  | 'replay-latency'
  | 'first-sync-rate'
  | 'catalogue-read-p50'
  | 'scale-first-sync-rate'
  | 'scale-catalogue-read-p50'
  | 'scale-enqueue-total'
  | 'scale-replay'
  | 'scale-heap-queue'
  | 'scale-heap-records'
  | 'panel-render'
  /** The Firefox pass: the same page-side measurements, offline being the API unreachable server-side. */
  | 'firefox-get-p50'
  | 'firefox-offline-read-p50'
  | 'firefox-offline-read-missing'
  | 'firefox-enqueue-seq-p50'
  | 'firefox-enqueue-seq-total'
  | 'firefox-replay-0'
  /** The plain-REST rows (`rest.ts`): the same measurements against json-server, `ours-rest` against Workbox. */
  | 'rest-get-p50'
  | 'rest-offline-read-p50'
  | 'rest-offline-read-missing'
  | 'rest-enqueue-seq-p50'
  | 'rest-enqueue-seq-total'
  | 'rest-replay-0'
  | 'rest-enqueue-burst-total'
  | 'rest-replay-latency';

/**
 * How a replay that waits for its worker to start went (the Workbox recipe in Firefox, which has no `sync` event):
 * what the server held at the end of each phase after it returned.
 */
export interface WorkerStartReplay {
  /** The page kept making requests (its worker kept running) this long, ms, and the server then held this many. */
  inUseMs: number;
  heldAfterUse: number;
  /** Then nothing touched the page this long (the browser stops the idle worker), ms; the server then held this many. */
  idleMs: number;
  heldAfterIdle: number;
  /** From the page's next request (which starts the worker again) to the last write held, ms; null if not within the cap. */
  afterRestartMs: number | null;
}

export interface Sample {
  measurement: MeasurementId;
  variant: VariantId;
  rep: number;
  value: number;
}

/** What the server held after a replay, against what the page issued. */
export interface Check {
  measurement: MeasurementId;
  variant: VariantId;
  rep: number;
  issued: number;
  /** The server held every write before the wait ended; when false, `lost` counts writes still queued too. */
  completed: boolean;
  /** How long the runner waited for the server to hold every write, ms. */
  waitedMs: number;
  /** Issued writes the server does not hold. */
  lost: number;
  /** Extra copies of issued writes. */
  duplicated: number;
  /** Adjacent pairs the server created in the opposite order to their issue. */
  reordered: number;
  /** How the page's writes were answered, e.g. `202×1000` or `failed fetch×1000`. */
  answered: string;
  /** The answers were what the variant promises (ours: 202 with the record; Workbox: a failed fetch). */
  answeredAsPromised: boolean;
  /** The runner had to fire the sync event by CDP because the browser's own did not come. */
  nudged: boolean;
  /** Present where the replay could only begin at the worker's next start (Firefox, Workbox). */
  workerStart?: WorkerStartReplay;
}

export class Recorder {
  readonly samples: Sample[] = [];
  readonly checks: Check[] = [];
  readonly notes: string[] = [];

  add(measurement: MeasurementId, variant: VariantId, rep: number, value: number): void {
    if (Number.isFinite(value)) this.samples.push({ measurement, variant, rep, value });
  }

  values(measurement: MeasurementId, variant: VariantId): number[] {
    return this.samples
      .filter((s) => s.measurement === measurement && s.variant === variant)
      .map((s) => s.value);
  }

  checksOf(measurement: MeasurementId, variant: VariantId): Check[] {
    return this.checks.filter((c) => c.measurement === measurement && c.variant === variant);
  }
}
