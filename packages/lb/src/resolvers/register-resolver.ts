import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import { allowTargetScheme } from '@switchboard/core';
import { endpointAttributes } from '../endpoint-attributes';
import {
  registerGrpcResolver,
  statusOrFromError,
  statusOrFromValue,
  unavailable,
  type Endpoint,
  type GrpcUri,
  type ResolverClass,
  type ResolverListener,
} from '../grpc-experimental';

/** The least time between two resolutions of one target. */
const MIN_INTERVAL_MS = 1000;

/** One endpoint as a resolver reports it: `host:port`, or with a weight and metadata. */
export type EndpointSpec = string | { readonly address: string; readonly weight?: number; readonly metadata?: Record<string, string> };

/** The target a resolver is asked about: `scheme://authority/path`. */
export interface ResolverTarget {
  readonly scheme: string;
  readonly authority: string | undefined;
  /** What follows the last `/` of `scheme:///…`, e.g. `lb.example.grpc.io`. */
  readonly path: string;
}

/** What a resolver factory returns for one target. */
export interface ResolverSource {
  /** The current endpoints; called at start and whenever grpc-js asks again. */
  resolve(): readonly EndpointSpec[] | Promise<readonly EndpointSpec[]>;
  /** Pushes changes as they happen; returns how to stop. */
  watch?(update: (endpoints: readonly EndpointSpec[]) => void, fail: (error: Error) => void): () => void;
  close?(): void;
}

/** Makes the source of one target. */
export type ResolverFactory = (target: ResolverTarget) => ResolverSource;

/**
 * Registers a name resolver for `scheme`: a client whose `target` is
 * `scheme:///…` then asks `factory` for its endpoints.
 *
 * @example
 * registerResolver('example', () => ({ resolve: () => ['127.0.0.1:50051', '127.0.0.1:50052'] }));
 * // clients.greeter.target: "example:///lb.example.grpc.io"
 */
export function registerResolver(scheme: string, factory: ResolverFactory): void {
  registerGrpcResolver(scheme, resolverClass(scheme, factory));
  allowTargetScheme(scheme);
}

function resolverClass(scheme: string, factory: ResolverFactory): ResolverClass {
  return class SourceResolver {
    private readonly source: ResolverSource;
    private readonly stopWatching: (() => void) | undefined;
    private readonly name: string;
    private hasReported = false;
    private generation = 0;
    private lastResolution = 0;
    private pending: NodeJS.Timeout | undefined;

    /** The :authority of calls: grpc-js connects with it, so it must read as a host. */
    static getDefaultAuthority(target: GrpcUri): string {
      const first = target.path.split(',')[0] ?? '';
      const name = first.slice(first.lastIndexOf('/') + 1).replace(/[^\w.:[\]-]/g, '');
      return name === '' ? 'localhost' : name;
    }

    constructor(
      target: GrpcUri,
      private readonly listener: ResolverListener,
    ) {
      this.name = `${scheme}://${target.authority ?? ''}/${target.path}`;
      this.source = factory({ scheme, authority: target.authority, path: target.path });
      this.stopWatching = this.source.watch?.(
        (endpoints) => void this.report(endpoints, ++this.generation),
        (error) => this.fail(error),
      );
    }

    /**
     * grpc-js asks again whenever a subchannel leaves READY, and each answer
     * resets its backoff: without a floor, a resolver that answers at once
     * would loop. Requests within MIN_INTERVAL_MS of the last run are
     * coalesced into one, later (as grpc-js's DNS resolver does).
     */
    updateResolution(): void {
      if (this.pending !== undefined) return;
      const wait = this.lastResolution + MIN_INTERVAL_MS - Date.now();
      if (wait > 0) {
        this.pending = setTimeout(() => {
          this.pending = undefined;
          this.updateResolution();
        }, wait);
        this.pending.unref();
        return;
      }
      this.lastResolution = Date.now();
      const generation = ++this.generation;
      Promise.resolve()
        .then(() => this.source.resolve())
        .then(
          (endpoints) => this.report(endpoints, generation),
          (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
        );
    }

    destroy(): void {
      clearTimeout(this.pending);
      this.stopWatching?.();
      this.source.close?.();
    }

    private async report(specs: readonly EndpointSpec[], generation: number): Promise<void> {
      try {
        const endpoints = await toEndpoints(specs);
        if (generation !== this.generation) return;
        if (endpoints.length === 0) return this.fail(new Error('no endpoints'));
        this.hasReported = true;
        this.listener(statusOrFromValue(endpoints), {}, null, '');
      } catch (error) {
        this.fail(error as Error);
      }
    }

    /** Once endpoints are known, a failing source keeps them rather than failing calls. */
    private fail(error: Error): void {
      if (this.hasReported && error.message !== 'no endpoints') return;
      this.listener(statusOrFromError(unavailable(`${this.name}: ${error.message}`)), {}, null, '');
    }
  };
}

async function toEndpoints(specs: readonly EndpointSpec[]): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const spec of specs) {
    const { address, weight = 1, metadata = {} } = typeof spec === 'string' ? { address: spec } : spec;
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
    if (!match?.[1] || !match[2]) throw new Error(`'${address}' is not host:port`);
    const port = Number(match[2]);
    const hosts = net.isIP(match[1]) ? [match[1]] : (await dns.lookup(match[1], { all: true })).map((a) => a.address);
    for (const host of hosts) {
      endpointAttributes.set(`${host}:${port}`, { weight, metadata });
      out.push({ addresses: [{ host, port }] });
    }
  }
  return out;
}
