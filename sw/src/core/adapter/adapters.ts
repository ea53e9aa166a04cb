/**
 * Each collection's `WireAdapter`, and what the module learned of the API's shapes: whether its ids are numbers, and
 * per list URL the envelope and order of the last online answer (kept in the partition's meta store, sealed with the
 * rest when encryption at rest is on), so an offline answer — even after the worker restarted — looks like the API's.
 */
import { isObject } from '../../protocol/wire-guards.js';
import type { ResolvedConfig } from '../config.js';
import type { Codec } from '../storage/codec.js';
import { WIRE_PROTOCOL_KEY, type MetaStore } from '../storage/meta-store.js';
import { WireAdapter, type ListShape } from './adapter.js';

/** List shapes kept in memory per partition (the meta store holds them all). */
const MAX_CACHED_SHAPES = 64;

export class Adapters {
  /** Our protocol answered discovery (true), did not (false), or not asked yet (null). */
  private protocol: boolean | null = null;
  private readonly adapters = new Map<string, WireAdapter>();
  private readonly numeric = new Map<string, boolean>();
  private readonly shapes = new Map<string, ListShape | null>();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly meta: MetaStore,
    private readonly codec: Codec,
  ) {}

  /** Whether `GET {apiBase}/_sync` is worth asking: some collection may speak our protocol. */
  get discovers(): boolean {
    for (const c of this.config.collections.values()) if (c.wire.kind !== 'rest') return true;
    return false;
  }

  /**
   * What discovery found last time, so a worker that starts offline answers in the API's shape before it can ask again.
   */
  async init(): Promise<void> {
    const stored = await this.meta.value(WIRE_PROTOCOL_KEY).catch(() => undefined);
    if (typeof stored === 'boolean' && this.protocol === null) this.set(stored);
  }

  /** What discovery found; adapters of `detect` collections follow it. */
  learned(protocol: boolean): void {
    if (this.protocol === protocol) return;
    this.set(protocol);
    void this.meta.setValue(WIRE_PROTOCOL_KEY, protocol).catch(() => undefined);
  }

  private set(protocol: boolean): void {
    this.protocol = protocol;
    this.adapters.clear();
  }

  for(collection: string): WireAdapter {
    let adapter = this.adapters.get(collection);
    if (adapter) return adapter;
    const conf = this.config.collections.get(collection);
    const wire = conf?.wire;
    if (!wire) throw new Error(`no collection ${collection}`);
    const protocol = wire.kind === 'rest' ? false : wire.kind === 'offline-kit' ? true : this.protocol;
    adapter = new WireAdapter(wire, protocol);
    this.adapters.set(collection, adapter);
    return adapter;
  }

  /** Whether the collection's ids came as numbers (so they are answered as numbers). */
  async numericIds(collection: string): Promise<boolean> {
    const known = this.numeric.get(collection);
    if (known !== undefined) return known;
    const stored = (await this.meta.value(`ids:${collection}`)) === 'number';
    this.numeric.set(collection, stored);
    return stored;
  }

  /** Notes the id type of records the API sent (raw, before reading). */
  async observeIds(collection: string, raws: readonly unknown[]): Promise<void> {
    const first = raws.find(isObject);
    if (!first) return;
    const id = first[this.for(collection).wire.idField];
    if (typeof id !== 'number' && typeof id !== 'string') return;
    const numeric = typeof id === 'number';
    if ((await this.numericIds(collection)) === numeric) return;
    this.numeric.set(collection, numeric);
    await this.meta.setValue(`ids:${collection}`, numeric ? 'number' : 'string');
  }

  /** The shape of the last online answer of this list (`key`: path and query), else of the collection's plain list. */
  async shape(collection: string, key: string, plainKey: string): Promise<ListShape | null> {
    return (
      (await this.readShape(collection, key)) ??
      (key === plainKey ? null : this.readShape(collection, plainKey))
    );
  }

  async rememberShape(collection: string, key: string, shape: ListShape): Promise<void> {
    const held = this.shapes.get(key);
    if (held && JSON.stringify(held) === JSON.stringify(shape)) return;
    this.cache(key, shape);
    await this.meta.setValue(`shape:${collection}:${key}`, await this.codec.sealJson(shape));
  }

  private async readShape(collection: string, key: string): Promise<ListShape | null> {
    if (this.shapes.has(key)) return this.shapes.get(key) ?? null;
    const stored = await this.meta.value(`shape:${collection}:${key}`);
    const opened = stored === undefined ? null : await this.codec.openJson(stored).catch(() => null);
    const shape = isListShape(opened) ? opened : null;
    this.cache(key, shape);
    return shape;
  }

  private cache(key: string, shape: ListShape | null): void {
    if (this.shapes.size >= MAX_CACHED_SHAPES) this.shapes.clear();
    this.shapes.set(key, shape);
  }
}

function isListShape(value: unknown): value is ListShape {
  if (!isObject(value) || !Array.isArray(value.order) || !value.order.every((x) => typeof x === 'string'))
    return false;
  const e = value.envelope;
  return e === null || (isObject(e) && typeof e.field === 'string' && isObject(e.rest));
}
