import { LoggerToken, channelSecurity, resolve, type AppModule, type ChannelSecurity, type ClientTlsFiles, type ServerInterceptor } from '@switchboard/core';
import { lookasideConfigSchema, type LookasideConfig } from './lookaside-config';
import { advertisedHost } from '../etcd/etcd-registration';
import { lookasideClient, unary, type LookasideClient } from './lookaside-proto';

/** Options of {@link lookasideReporter}. */
export interface LookasideReporterOptions {
  /** `host:port` of the lookaside balancer. */
  readonly balancer: string;
  /** How often to report; default 250 ms. */
  readonly intervalMs?: number;
  /** The host the balancer should hand out; as `etcdRegistration`'s `advertiseHost`. */
  readonly advertiseHost?: string;
  /** TLS to the balancer; by default `resolvers.lookaside.tls` from config (which this module declares). */
  readonly tls?: ClientTlsFiles;
}

type Container = Parameters<NonNullable<AppModule['started']>>[0];

interface State {
  inflight: number;
  /** Exponentially weighted mean latency of finished calls, ms. */
  latencyMs: number;
  timer?: NodeJS.Timeout;
  client?: LookasideClient;
}

/**
 * An app module that tells a lookaside balancer how loaded this server is:
 * an interceptor counts the calls in progress and their latency, and once the
 * server listens they are reported every `intervalMs` under the address the
 * server is registered with.
 */
export function lookasideReporter(options: LookasideReporterOptions): AppModule<{ resolvers: { lookaside: LookasideConfig } }> {
  const states = new WeakMap<Container, State>();
  const securities = new WeakMap<Container, ChannelSecurity>();
  const stop = (container: Container) => {
    const state = states.get(container);
    clearInterval(state?.timer);
    state?.client?.close();
    if (state) state.client = undefined;
  };
  return {
    name: 'lookaside-reporter',
    config: lookasideConfigSchema,
    services: [],
    register(container, config) {
      securities.set(container, channelSecurity('resolvers.lookaside.tls', options.tls ?? config.resolvers.lookaside.tls));
    },
    // Every call of the process counts towards its load, whichever module serves it.
    processInterceptors(container) {
      const state: State = { inflight: 0, latencyMs: 0 };
      states.set(container, state);
      const count: ServerInterceptor = async function* (call, next) {
        const started = Date.now();
        state.inflight++;
        try {
          yield* next(call);
        } finally {
          state.inflight--;
          state.latencyMs = state.latencyMs === 0 ? Date.now() - started : 0.8 * state.latencyMs + 0.2 * (Date.now() - started);
        }
      };
      return [count];
    },
    started(container, { host, port }) {
      const state = states.get(container);
      if (state === undefined) return;
      const h = advertisedHost(options.advertiseHost ?? host);
      const address = h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
      const logger = container.isBound(LoggerToken.id) ? resolve(container, LoggerToken) : undefined;
      const client = lookasideClient(options.balancer, securities.get(container));
      state.client = client;
      const send = () =>
        unary(client.Report, client, { address, inflight: state.inflight, latency_ms: state.latencyMs }, 1000).catch((error: unknown) =>
          logger?.debug({ err: error, balancer: options.balancer }, 'load report failed'),
        );
      void send();
      state.timer = setInterval(() => void send(), options.intervalMs ?? 250);
      state.timer.unref();
    },
    stopping: stop,
    dispose: stop,
  };
}
