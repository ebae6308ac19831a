import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { Service, createToken, defineModule, resolve, type AnyAppModule } from '@switchboard/core';
import { Echo, createEchoService, freePort, spawnTsChild, until } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { override, type Override } from '../src/override';
import { memoryLogger, startEcho, type EchoHarness } from './harness';
import { BackendToken, backendClient, channelsTo } from './start-failures-clients';

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

interface ChildLine {
  readonly msg: string;
  readonly primary?: boolean;
  readonly pid?: number;
  /** The channels to the backend the process had open when it wrote the line. */
  readonly open?: string[];
  readonly [key: string]: unknown;
}

/** The deployment of start-failures-primary.ts in its own processes, and what they printed. */
function deploy(arg: { backendPort: number; failRegister?: boolean }) {
  const child = spawnTsChild(path.join(__dirname, 'start-failures-primary.ts'), arg);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let code: number | null | undefined;
  // 'close', not 'exit': every line the primary and its workers wrote has been read by then.
  const exited = new Promise<number | null>((done) => child.once('close', done)).then((c) => (code = c));
  const lines = (): ChildLine[] =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ChildLine);
  return { child, exited, lines, out: () => out, code: () => code };
}

describe('a workers primary (server.workers: 2) with a per-deployment module that declares a client', () => {
  let backend: EchoHarness | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await backend?.close();
  });

  it('gives the module a working stub in its started hook, keeps the channel open through dispose and closes it before it exits; the workers open none', async () => {
    const echo = await startEcho();
    backend = echo;
    const d = deploy({ backendPort: echo.port });
    child = d.child;
    const ready = (): boolean => d.lines().some((l) => l.msg === 'workers listening') && d.lines().some((l) => l.msg === 'backend answered');
    // A primary that cannot start its per-deployment module exits instead: stop waiting then, and show what it said.
    await until(() => ready() || d.code() !== undefined, 20_000, 'every worker listening, or an exit');
    if (!ready()) throw new Error(`the deployment exited with ${String(d.code())} before every worker listened:\n${d.out()}`);
    const answered = d.lines().filter((l) => l.msg === 'backend answered');
    expect(answered).toEqual([expect.objectContaining({ primary: true, reply: 'from the primary', open: [`127.0.0.1:${echo.port}`] })]);

    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const primaryPid = answered[0]!.pid;
    expect(d.lines().filter((l) => l.msg === 'announcer disposed')).toEqual([expect.objectContaining({ pid: primaryPid, open: [`127.0.0.1:${echo.port}`] })]);
    const exits = d.lines().filter((l) => l.msg === 'exiting');
    expect(exits.map((l) => [l.primary, l.open])).toEqual(
      expect.arrayContaining([
        [true, []],
        [false, []],
        [false, []],
      ]),
    );
    expect(exits).toHaveLength(3);
    // Three node processes that transpile TypeScript as they load, on a shared machine.
  }, 40_000);

  it("exits 1 with the error of a per-deployment register that throws, before any worker starts, having run the registered modules' dispose and closed the channels", async () => {
    const d = deploy({ backendPort: await freePort(), failRegister: true });
    child = d.child;
    expect(await d.exited).toBe(1);
    expect(d.out()).toContain('boom: the per-deployment register under test');
    expect(d.lines().filter((l) => l.msg === 'starting workers')).toEqual([]);
    expect(d.lines().filter((l) => l.msg === 'announcer disposed')).toEqual([expect.objectContaining({ primary: true, open: [expect.any(String)] })]);
    expect(d.lines().filter((l) => l.msg === 'exiting')).toEqual([expect.objectContaining({ primary: true, open: [] })]);
  });
});
