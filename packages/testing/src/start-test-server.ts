import type { Client } from '@switchboard/client';
import {
  createLogger,
  readService,
  resolve,
  type AnyAppModule,
  type Logger,
  type ServerInterceptor,
  type ServiceDescriptor,
  type Token,
} from '@switchboard/core';
import { startServer, type Override, type RunningServer } from '@switchboard/server';
import type { MethodFault } from './fault';
import { injectFaults } from './inject-faults';
import { LeftOpenError } from './left-open-error';
import { OpenCalls } from './open-calls';
import { openChannelsTo } from './open-channels';
import { kitClient, type KitClient, type TestClientOptions } from './test-client';

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** The app modules under test, served on one server. */
  readonly modules: readonly AnyAppModule[];
  /**
   * Config as an object, the shape of a config file (`{ orders: { addOrderDelayMs: 50 } }`),
   * checked as a file is: a wrong value is an error naming its path, the value and what is
   * allowed. Nothing comes from files, the environment or argv. `server.port` is always 0
   * and `server.host` defaults to 127.0.0.1.
   */
  readonly config?: object;
  /** Fakes for typed tokens, each made with `override(token, value)`; see `StartOptions.overrides`. */
  readonly overrides?: readonly Override[];
  /** Process-wide interceptors, as `startServer` takes them; injected faults run after them. */
  readonly interceptors?: readonly ServerInterceptor[];
  /** Faults on served methods; see {@link injectFaults}. */
  readonly faults?: readonly MethodFault[];
  /** The server's logger; default silent. */
  readonly logger?: Logger;
  /** How long `close()` waits for the server's calls in flight to end before it counts them as left open (ms); default 1000. */
  readonly closeWaitMs?: number;
}

/** A server under test; see {@link startTestServer}. */
export interface TestServer {
  readonly port: number;
  /** `host:port`, a target for any client. */
  readonly address: string;
  /** The server as `startServer` returned it: config, container, the `SwitchboardServer`. */
  readonly running: RunningServer;
  /** What `token` is bound to in the server's container (the store a test asserts on). */
  get<T>(token: Token<T>): T;
  /**
   * A typed client of `service` on this server (our stub: deadlines, retries,
   * metadata as configured by `options`), with optional faults. `close()`
   * cancels its calls still open and closes it.
   */
  client<S extends ServiceDescriptor<unknown, unknown>>(service: S, options?: TestClientOptions<S>): Client<S>;
  /**
   * Shuts everything down: the kit's clients, then the server (calls still in
   * flight are cancelled). Rejects with a {@link LeftOpenError} when a call or
   * connection was left open: a kit client's call not ended, a server call
   * still in flight after `closeWaitMs`, or a grpc-js channel of this process
   * to this server that nobody closed. Again: the first close's outcome.
   */
  close(): Promise<void>;
}

/**
 * Starts `modules` in this process on 127.0.0.1 and a free port, with config
 * given as an object, typed tokens overridden by fakes and faults injected,
 * for a test to call through `server.client(Service)` and end with
 * `server.close()`. Works with any test runner (jest, node:test).
 *
 * @example
 * const server = await startTestServer({ modules: [greeterModule] });
 * try {
 *   const greeter = server.client(Greeter);
 *   assert.deepEqual(await greeter.SayHello({ name: 'Ada' }), { message: 'Hello Ada' });
 * } finally {
 *   await server.close();
 * }
 */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const served = options.modules.flatMap((module) => module.services.map((service) => readService(service)));
  const faults = options.faults && options.faults.length > 0 ? [injectFaults(options.faults, served)] : [];
  const serverCalls = new OpenCalls();
  const tree = options.config ?? {};
  const server = (tree as { server?: object }).server ?? {};
  const running = await startServer({
    modules: options.modules,
    config: {
      configDir: null,
      env: {},
      argv: [],
      values: { tree: { ...tree, server: { host: '127.0.0.1', ...server, port: 0 } }, origin: 'startTestServer config' },
    },
    logger: options.logger ?? createLogger({ log: { level: 'silent' } }),
    overrides: options.overrides ?? [],
    interceptors: [serverCalls.serverInterceptor(), ...(options.interceptors ?? []), ...faults],
  });
  const host = running.config.server.host;
  const address = `${host.includes(':') ? `[${host}]` : host}:${running.port}`;
  const clientCalls = new OpenCalls();
  const clients: KitClient<unknown>[] = [];
  let closing: Promise<void> | undefined;

  const close = async (): Promise<void> => {
    const leftOpen: string[] = clientCalls.describe().map((calls) => `client call ${calls}`);
    for (const client of clients.splice(0)) client.close();
    try {
      if (!(await serverCalls.waitIdle(options.closeWaitMs ?? 1000))) {
        leftOpen.push(...serverCalls.describe().map((calls) => `server call ${calls}`));
      }
    } finally {
      await running.shutdown(0);
    }
    const channels = openChannelsTo(host, running.port);
    if (leftOpen.length > 0 || channels.length > 0) throw new LeftOpenError(address, leftOpen, channels);
  };

  return {
    port: running.port,
    address,
    running,
    get: (token) => resolve(running.container, token),
    client(service, clientOptions) {
      if (closing !== undefined) throw new Error(`the test server on ${address} is closed; make clients before close()`);
      const client = kitClient(service, address, clientCalls, clientOptions);
      clients.push(client);
      return client.stub;
    },
    close: () => (closing ??= close()),
  };
}
