import * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import {
  Code,
  RpcError,
  SwitchboardError,
  readAuthorization,
  readInterceptors,
  readService,
  type Logger,
  type ServerConfig,
  type ServerInterceptor,
} from '@switchboard/core';
import { HealthImplementation } from 'grpc-health-check';
import { readsEveryAuthorization } from './auth-interceptor';
import { keepRepeatedAuthorization } from './auth-repeated-header';
import { guardConnections, http2ServersOf } from './connection-guard';
import { grpcServerOptions } from './connection-options';
import { adaptHandler, type AnyHandler } from './method-handler';
import { createReflection } from './reflection';
import type { ServerCallContext } from './server-call-context';
import { FileServerCredentials, serverCredentials } from './tls';

/** How long connections get to close once no call is in flight. */
const CLOSE_TIMEOUT_MS = 500;

/** Options of {@link SwitchboardServer}. */
export interface SwitchboardServerOptions {
  /** The validated `server` config section. */
  readonly config: ServerConfig['server'];
  /** Global interceptors, outermost first. */
  readonly interceptors?: readonly ServerInterceptor[];
  readonly logger: Logger;
}

/**
 * One grpc-js server for any number of `@Service` instances, with global
 * interceptors, health, reflection and a graceful shutdown.
 *
 * @example
 * const server = new SwitchboardServer({ config: config.server, logger });
 * server.addService(new GreeterService());
 * const port = await server.listen();
 */
export class SwitchboardServer {
  private readonly server: grpc.Server;
  private readonly health = new HealthImplementation({ '': 'SERVING' });
  private readonly inFlight = new Set<ServerCallContext>();
  private readonly protos: PackageDefinition[] = [];
  private readonly services: string[] = [];
  private idleWaiters: (() => void)[] = [];
  /** Ends the grace period of a shutdown under way at once; set while it runs. */
  private cutGrace: (() => void) | undefined;
  private graceCut = false;
  private state: 'new' | 'listening' | 'stopping' | 'stopped' = 'new';
  /** The TLS credentials whose files are watched, when serving TLS. */
  private credentials: FileServerCredentials | undefined;

  constructor(private readonly options: SwitchboardServerOptions) {
    this.server = new grpc.Server(grpcServerOptions(options.config));
    http2ServersOf(this.server);
  }

  /** The full names of the services added so far. */
  get serviceNames(): readonly string[] {
    return this.services;
  }

  /** The number of calls being served now. */
  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * Serves an instance of a `@Service` class. Every rpc of its proto must
   * have a handler; a missing one is an error naming the service, the method
   * and the handlers that exist. `options.interceptors` run for this
   * service's calls only, after the global ones and before the service's and
   * methods' own (`@UseInterceptors`): an app module's interceptors. A
   * method's `@Authorize` guard runs between the two.
   */
  addService(instance: object, options: { readonly interceptors?: readonly ServerInterceptor[] } = {}): void {
    const cls = instance.constructor as new (...args: never[]) => object;
    const descriptor = readService(cls);
    if (this.services.includes(descriptor.fullName)) {
      throw new SwitchboardError('SB_ERR_SERVICE', `service ${descriptor.fullName} is served twice (second: ${cls.name})`);
    }
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of descriptor.methods.values()) {
      const handler = (instance as Record<string, unknown>)[method.name];
      if (typeof handler !== 'function') {
        const own = Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor');
        throw new SwitchboardError(
          'SB_ERR_SERVICE',
          `${cls.name} serves ${descriptor.fullName} but has no handler '${method.name}' ` +
            `(rpcs: ${[...descriptor.methods.keys()].join(', ')}; class methods: ${own.join(', ') || 'none'})`,
        );
      }
      implementation[method.name] = adaptHandler(method, (handler as AnyHandler).bind(instance), {
        interceptors: [
          ...(this.options.interceptors ?? []),
          ...(options.interceptors ?? []),
          // The @Authorize guard: after global and module interceptors (they see its status), before the service's own.
          ...readAuthorization(cls, method.name),
          ...readInterceptors(cls, method.name),
        ],
        tracker: this.tracker,
        logger: this.options.logger,
        halfCloseSettleMs: this.options.config.halfCloseSettleMs,
        exposeDownstreamErrors: this.options.config.exposeDownstreamErrors,
      });
    }
    this.server.addService(descriptor.definition, implementation);
    this.services.push(descriptor.fullName);
    this.protos.push(descriptor.proto.definition);
    this.health.setStatus(descriptor.fullName, 'SERVING');
  }

  /** Binds `host:port` from config (port 0 picks one) and resolves to the bound port. */
  async listen(): Promise<number> {
    const { host, port, health, reflection } = this.options.config;
    if (health) this.health.addToServer(this.server);
    if (reflection && this.protos.length > 0) {
      createReflection(this.protos, { health }).addToServer(this.server);
    }
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const credentials = serverCredentials(this.options.config.tls, this.options.logger);
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, credentials, (error, p) =>
        error ? reject(new SwitchboardError('SB_ERR_LISTEN', `cannot listen on ${address}: ${error.message}`, { cause: error })) : resolve(p),
      );
    });
    if (this.state !== 'new') {
      // shutdown() ran while the port was being bound: nothing may stay listening, or watching the TLS files.
      this.server.forceShutdown();
      throw new SwitchboardError('SB_ERR_LISTEN', `the server was shut down while binding ${address}`);
    }
    const { handshakeTimeoutMs, maxMetadataBytes } = this.options.config;
    guardConnections(this.server, { handshakeTimeoutMs, maxMetadataBytes, logger: this.options.logger });
    // A per-request scan of the raw headers, needed only where a token is verified.
    if ((this.options.interceptors ?? []).some(readsEveryAuthorization)) {
      for (const http2Server of http2ServersOf(this.server).keys()) keepRepeatedAuthorization(http2Server);
    }
    if (credentials instanceof FileServerCredentials) {
      credentials.watch();
      this.credentials = credentials;
    }
    this.state = 'listening';
    this.options.logger.info({ address: `${host}:${bound}`, services: this.services }, 'listening');
    return bound;
  }

  /**
   * Stops gracefully: health turns NOT_SERVING and new calls are refused with
   * UNAVAILABLE; calls in flight get `graceMs` to finish, then their signals
   * abort with UNAVAILABLE; then connections close and the port is released.
   */
  async shutdown(graceMs = this.options.config.shutdownGraceMs): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.tracker.accepting = false;
    this.credentials?.unwatch();
    for (const name of ['', ...this.services]) this.health.setStatus(name, 'NOT_SERVING');
    this.options.logger.info({ inFlight: this.inFlight.size, graceMs }, 'shutting down');
    // New calls are refused by the handlers; connections stay up until the
    // calls in flight have sent their status (grpc-js's graceful session
    // close resets streams that answer after it began).
    const idle = await new Promise<boolean>((resolve) => {
      this.cutGrace = () => resolve(false);
      if (this.graceCut) resolve(false);
      void this.waitIdle(graceMs).then(resolve);
    });
    this.cutGrace = undefined;
    if (!idle) {
      this.options.logger.warn({ cancelled: this.inFlight.size }, 'cancelling calls in flight with UNAVAILABLE');
      for (const ctx of this.inFlight) ctx.abort(new RpcError(Code.UNAVAILABLE, 'the server is shutting down'));
      await this.waitIdle(1000);
    }
    await new Promise<void>((resolve) => {
      // Long-lived streams we do not track (health Watch) would hold a graceful close open.
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, CLOSE_TIMEOUT_MS);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.state = 'stopped';
    this.options.logger.info('stopped');
  }

  /**
   * Ends the grace period of a shutdown under way now: calls in flight are
   * cancelled with UNAVAILABLE and the shutdown goes on to close. Before a
   * shutdown, it makes the next one skip its grace.
   */
  cutShutdownShort(): void {
    this.graceCut = true;
    this.cutGrace?.();
  }

  private readonly tracker = {
    accepting: true,
    add: (ctx: ServerCallContext): void => {
      this.inFlight.add(ctx);
    },
    delete: (ctx: ServerCallContext): void => {
      this.inFlight.delete(ctx);
      if (this.inFlight.size === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    },
  };

  private waitIdle(ms: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
