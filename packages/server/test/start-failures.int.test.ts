import * as net from 'node:net';
import { Service, createToken, defineModule, resolve, type AnyAppModule } from '@switchboard/core';
import { startServer, type RunningServer } from '../src/start-server';
import { override, type Override } from '../src/override';
import { memoryLogger } from './harness';
import { BackendToken, backendClient, channelsTo } from './start-failures-clients';
import { Echo, createEchoService } from '../../../testing/echo/echo-service';
import { freePort } from '../../../testing/free-port';

/** Where a start fails, and what each failure needs. */
interface FailurePoint {
  readonly modules: readonly AnyAppModule[];
  readonly overrides?: readonly Override[];
  /** Which modules' `dispose` must have run, in order. */
  readonly disposed: readonly string[];
  /** Holds the server's port while the start runs. */
  readonly portTaken?: boolean;
  readonly error: (ports: Ports) => unknown;
}

interface Ports {
  readonly server: number;
  readonly metrics: number;
  /** The backend the clients point at (nothing listens there: channels are observed in channelz, and never connect). */
  readonly backend: number;
}

const boom = new Error('boom: the failure under test');
let disposed: string[] = [];
/** The channels to the backend open while `register` ran: what the test expects to see closed. */
let openAtRegister: number | undefined;

let ports: Ports;

/** A module with a client, registered first, so that every failure comes after its clients opened. */
const first = defineModule({
  name: 'with-client',
  services: [],
  clients: [backendClient],
  register: (container) => {
    resolve(container, BackendToken);
    openAtRegister = channelsTo(ports.backend).length;
  },
  dispose: () => void disposed.push('with-client'),
});

/** A service whose constructor throws, as one whose dependencies fail would. */
@Service(Echo)
class ThrowingEchoService extends createEchoService({ aborts: [], produced: 0 }) {
  constructor() {
    super();
    throw boom;
  }
}

const FAILURES: Record<string, FailurePoint> = {
  "a module's register throws": {
    modules: [
      first,
      defineModule({
        name: 'breaks',
        services: [],
        register: () => {
          throw boom;
        },
        dispose: () => void disposed.push('breaks'),
      }),
    ],
    disposed: ['with-client'],
    error: () => boom,
  },
  "a service's constructor throws": {
    modules: [first, defineModule({ name: 'serves', services: [ThrowingEchoService], dispose: () => void disposed.push('serves') })],
    disposed: ['serves', 'with-client'],
    error: () => boom,
  },
  'an override names a token no module binds': {
    modules: [first],
    overrides: [override(createToken<string>('test/NobodyBindsThis'), 'x')],
    disposed: ['with-client'],
    error: () => expect.objectContaining({ code: 'SB_ERR_UNBOUND', message: expect.stringContaining("'test/NobodyBindsThis'") as unknown }),
  },
  "listen() finds the server's port taken": {
    modules: [first],
    portTaken: true,
    disposed: ['with-client'],
    error: ({ server }) =>
      expect.objectContaining({ code: 'SB_ERR_LISTEN', message: expect.stringContaining(`cannot listen on 127.0.0.1:${server}`) as unknown }),
  },
  "a module's started hook throws": {
    modules: [first, defineModule({ name: 'starts', services: [], started: () => Promise.reject(boom), dispose: () => void disposed.push('starts') })],
    disposed: ['starts', 'with-client'],
    error: () => boom,
  },
};

/** Config on the test's ports, with tracing (console exporter) on; `backend.target` for the modules that declare the backend client. */
const configOf = (tracing: object, { metrics = true, backend = false }: { metrics?: boolean; backend?: boolean } = {}) => ({
  argv: [],
  env: {},
  configDir: null,
  values: {
    tree: {
      server: { host: '127.0.0.1', port: ports.server },
      metrics: { enabled: metrics, host: '127.0.0.1', port: ports.metrics },
      tracing: { enabled: true, exporter: 'console', ...tracing },
      ...(backend ? { backend: { target: `127.0.0.1:${ports.backend}` } } : {}),
    },
    origin: 'test',
  },
});

describe('a start that fails', () => {
  let next: RunningServer | undefined;
  let blocker: net.Server | undefined;
  beforeEach(async () => {
    ports = { server: await freePort(), metrics: await freePort(), backend: await freePort() };
    disposed = [];
    openAtRegister = undefined;
  });
  afterEach(async () => {
    await next?.shutdown(0);
    next = undefined;
    await new Promise((done) => (blocker ? blocker.close(done) : done(undefined)));
    blocker = undefined;
  });

  describe.each(Object.entries(FAILURES))('when %s', (_, failure) => {
    it("rejects with that error, having closed the clients, stopped the server and the metrics endpoint, released the tracing SDK and run the registered modules' dispose", async () => {
      if (failure.portTaken) {
        const taken = net.createServer();
        blocker = taken;
        await new Promise<void>((listening) => taken.listen(ports.server, '127.0.0.1', listening));
      }
      const { logger, lines } = memoryLogger();
      const start = startServer({
        modules: failure.modules,
        overrides: failure.overrides ?? [],
        logger,
        config: configOf({ serviceName: 'first' }, { backend: true }),
      });
      await expect(start).rejects.toEqual(failure.error(ports));
      if (failure.error(ports) === boom) await expect(start).rejects.toBe(boom);

      expect(openAtRegister).toBe(1);
      expect(channelsTo(ports.backend)).toEqual([]);
      expect(disposed).toEqual(failure.disposed);
      expect(lines.filter((line) => String(line['msg']).startsWith('releasing failed'))).toEqual([]);

      await new Promise((done) => (blocker ? blocker.close(done) : done(undefined)));
      blocker = undefined;
      // The same ports, other tracing settings: a start that would fail had the first left its server, endpoint or SDK behind.
      next = await startServer({ modules: [], logger: memoryLogger().logger, config: configOf({ serviceName: 'second', sampleRatio: 0.5 }) });
      expect([next.port, next.metricsPort]).toEqual([ports.server, ports.metrics]);
    });
  });

  it('logs a release that fails, releases the rest, and still rejects with the error of the start', async () => {
    const disposeFails = new Error('dispose failed too');
    const { logger, lines } = memoryLogger();
    const modules = [
      defineModule({ name: 'bad-dispose', services: [], dispose: () => Promise.reject(disposeFails) }),
      defineModule({ name: 'starts', services: [], started: () => Promise.reject(boom) }),
    ];
    await expect(startServer({ modules, logger, config: configOf({}, { metrics: false }) })).rejects.toBe(boom);
    expect(lines.filter((line) => line['msg'] === 'releasing failed after a failed start')).toEqual([
      expect.objectContaining({ resource: "dispose of module 'bad-dispose'", err: expect.objectContaining({ message: 'dispose failed too' }) as unknown }),
    ]);
    next = await startServer({ modules: [], logger: memoryLogger().logger, config: configOf({ serviceName: 'other' }, { metrics: false }) });
  });
});

describe('a started server', () => {
  it('closes its clients at shutdown, after every dispose, and releases the tracing SDK', async () => {
    ports = { server: await freePort(), metrics: await freePort(), backend: await freePort() };
    const openAtDispose: number[] = [];
    const module = defineModule({
      name: 'with-client',
      services: [],
      clients: [backendClient],
      dispose: () => void openAtDispose.push(channelsTo(ports.backend).length),
    });
    const running = await startServer({ modules: [module], logger: memoryLogger().logger, config: configOf({ serviceName: 'first' }, { backend: true }) });
    expect(channelsTo(ports.backend)).toHaveLength(1);
    await running.shutdown(0);
    expect(openAtDispose).toEqual([1]);
    expect(channelsTo(ports.backend)).toEqual([]);
    const next = await startServer({ modules: [], logger: memoryLogger().logger, config: configOf({ serviceName: 'second' }) });
    expect([next.port, next.metricsPort]).toEqual([ports.server, ports.metrics]);
    await next.shutdown(0);
  });

  it('rejects its shutdown with what a dispose threw, having released everything else', async () => {
    ports = { server: await freePort(), metrics: await freePort(), backend: await freePort() };
    const disposeFails = new Error('dispose failed');
    const module = defineModule({ name: 'with-client', services: [], clients: [backendClient], dispose: () => Promise.reject(disposeFails) });
    const running = await startServer({ modules: [module], logger: memoryLogger().logger, config: configOf({ serviceName: 'first' }, { backend: true }) });
    await expect(running.shutdown(0)).rejects.toBe(disposeFails);
    expect(channelsTo(ports.backend)).toEqual([]);
    const next = await startServer({ modules: [], logger: memoryLogger().logger, config: configOf({ serviceName: 'second' }) });
    expect([next.port, next.metricsPort]).toEqual([ports.server, ports.metrics]);
    await next.shutdown(0);
  });
});
