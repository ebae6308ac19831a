import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';

/** One server as it is registered: the JSON value of its key. */
export interface RegisteredEndpoint {
  readonly address: string;
  readonly weight?: number;
  readonly metadata?: Record<string, string>;
}

interface Change {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  readonly endpoint: RegisteredEndpoint | undefined;
}

/** Reads a registry value; a key whose value is not ours falls back to the `host:port` that ends the key. */
export function parseRegistration(key: string, value: string): RegisteredEndpoint | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<RegisteredEndpoint> | string;
    if (typeof parsed === 'string' && /:\d+$/.test(parsed)) return { address: parsed };
    if (typeof parsed === 'object' && parsed !== null && typeof parsed.address === 'string') {
      const weight = typeof parsed.weight === 'number' && parsed.weight > 0 ? parsed.weight : 1;
      const metadata =
        typeof parsed.metadata === 'object' && parsed.metadata !== null
          ? Object.fromEntries(Object.entries(parsed.metadata).filter(([, v]) => typeof v === 'string'))
          : {};
      return { address: parsed.address, weight, metadata };
    }
  } catch {
    // not JSON: use the key
  }
  const tail = key.slice(key.lastIndexOf('/') + 1);
  return /:\d+$/.test(tail) ? { address: tail } : undefined;
}

const toList = (entries: Iterable<RegisteredEndpoint>): RegisteredEndpoint[] => [...entries].sort((a, b) => (a.address < b.address ? -1 : 1));

/**
 * The servers registered under one key prefix (`<prefix><service>/`), kept
 * current by an etcd watch. After every (re)connection of the watch the
 * prefix is listed again, so changes missed while etcd was away are caught
 * up; until then, and whenever etcd is unreachable, the last list stands.
 * @internal
 */
export class ServiceWatch {
  private readonly entries = new Map<string, RegisteredEndpoint>();
  private watcher: Watcher | undefined;
  private connected = false;
  private listedOnce = false;
  /** Changes seen while a listing is in flight, replayed over its result. */
  private buffer: Change[] | undefined;
  private relistAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastEmitted: string | undefined;
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    /** `<prefix><service>/` */
    readonly keyPrefix: string,
    private readonly onChange: (endpoints: RegisteredEndpoint[]) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Lists the prefix now, straight from etcd (bounded by the client's request deadline). */
  async list(): Promise<RegisteredEndpoint[]> {
    const response = await this.client.getAll().prefix(this.keyPrefix).exec();
    return toList(this.fromKvs(response.kvs).values());
  }

  /** True while the watch is connected and its list is current. */
  get current(): boolean {
    return this.connected && this.listedOnce && this.buffer === undefined;
  }

  /** The last known list. */
  get endpoints(): RegisteredEndpoint[] {
    return toList(this.entries.values());
  }

  /** Starts watching; `onChange` gets every new list, `onError` what went wrong with etcd. */
  start(): void {
    if (this.closed || this.watcher !== undefined) return;
    const watcher = this.client.watch().prefix(this.keyPrefix).watcher();
    this.watcher = watcher;
    watcher
      .on('connected', () => {
        this.connected = true;
        void this.relist();
      })
      .on('disconnected', (error: Error) => {
        this.connected = false;
        this.onError(error);
      })
      .on('put', (kv: IKeyValue) => this.apply({ type: 'put', ...this.change(kv) }))
      .on('delete', (kv: IKeyValue) => this.apply({ type: 'delete', ...this.change(kv) }))
      .on('error', (error: Error) => {
        // The watch was cancelled by etcd (e.g. its revision was compacted): start a new one.
        this.connected = false;
        this.watcher = undefined;
        this.onError(error);
        this.retryTimer = setTimeout(() => this.start(), 200);
      });
  }

  /** Stops watching; resolves once etcd confirmed (or could not be asked), at most after a second. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const watcher = this.watcher;
    this.watcher = undefined;
    if (watcher === undefined) return Promise.resolve();
    watcher.removeAllListeners();
    watcher.on('error', () => undefined);
    const cancelled = watcher.cancel().catch(() => undefined);
    return Promise.race([cancelled, sleep(1000, undefined, { ref: false })]);
  }

  private change(kv: IKeyValue): Omit<Change, 'type'> {
    const key = kv.key.toString();
    return { key, revision: Number(kv.mod_revision), endpoint: parseRegistration(key, kv.value.toString()) };
  }

  private apply(change: Change): void {
    this.buffer?.push(change);
    applyChange(this.entries, change);
    if (this.buffer === undefined && this.listedOnce) this.emit();
  }

  private async relist(): Promise<void> {
    if (this.buffer !== undefined) {
      this.relistAgain = true;
      return;
    }
    do {
      this.relistAgain = false;
      this.buffer = [];
      try {
        const response = await this.client.getAll().prefix(this.keyPrefix).exec();
        if (this.closed) return;
        const revision = Number(response.header.revision);
        const fresh = this.fromKvs(response.kvs);
        for (const change of this.buffer) if (change.revision > revision) applyChange(fresh, change);
        this.entries.clear();
        for (const [k, v] of fresh) this.entries.set(k, v);
        this.listedOnce = true;
        this.buffer = undefined;
        this.emit();
      } catch (error) {
        this.buffer = undefined;
        if (this.closed) return;
        this.onError(error as Error);
        // Connected but the listing failed (etcd flapping): try again shortly.
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.connected && void this.relist(), 300);
        return;
      }
    } while (this.relistAgain && !this.closed);
  }

  private fromKvs(kvs: readonly IKeyValue[]): Map<string, RegisteredEndpoint> {
    const out = new Map<string, RegisteredEndpoint>();
    for (const kv of kvs) {
      const key = kv.key.toString();
      const endpoint = parseRegistration(key, kv.value.toString());
      if (endpoint !== undefined) out.set(key, endpoint);
    }
    return out;
  }

  private emit(): void {
    if (this.closed) return;
    const list = this.endpoints;
    const text = JSON.stringify(list);
    if (text === this.lastEmitted) return;
    this.lastEmitted = text;
    this.onChange(list);
  }
}

function applyChange(entries: Map<string, RegisteredEndpoint>, change: Change): void {
  if (change.type === 'delete' || change.endpoint === undefined) entries.delete(change.key);
  else entries.set(change.key, change.endpoint);
}
