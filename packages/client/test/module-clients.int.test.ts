import * as net from 'node:net';
import { Code, Service, SwitchboardError, defineModule, inject, resolve, type AnyAppModule, type ClientInterceptor } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { createEchoService, Echo, type FlakyReply, type ForwardReply, type ForwardRequest, freePort, Lab } from '@switchboard/test-support';
import { createClient, defineClient, type Client } from '../src/index';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);
const labClient = defineClient('lab', Lab);

/** A Lab service whose Forward asks the injected echo client, the way an app's service uses a client. */
@Service(Lab)
class FrontdeskService {
  constructor(@inject(echoClient.token) private readonly echo: Client<typeof Echo>) {}

  async Forward(request: ForwardRequest): Promise<ForwardReply> {
    const { message } = await this.echo.Unary({ message: `echo of ${request.id}` });
    return { remaining_ms: -1, path: [message] };
  }

  async Flaky(): Promise<FlakyReply> {
    return { attempts: 0 };
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(modules: AnyAppModule[], tree: object): Promise<RunningServer> {
  const running = await startServer({
    modules,
    config: { argv: [], env: {}, configDir: null, values: { tree, origin: 'test values' } },
    logger: pino({ level: 'silent' }),
  });
  cleanups.push(() => running.shutdown(0));
  return running;
}

async function echoBackend() {
  const backend = await echoServer();
  cleanups.push(backend.close);
  return backend;
}

function startFailure(run: Promise<unknown>): Promise<SwitchboardError> {
  return run.then(
    () => {
      throw new Error('expected the start to fail');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(SwitchboardError);
      return error as SwitchboardError;
    },
  );
}

/** Whether a TCP connection to 127.0.0.1:`port` is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });
}

describe('a module that lists clients', () => {
  it('gets the client injected into its service, calling a service served beside it', async () => {
    const port = await freePort();
    const echoModule = defineModule({ name: 'echo', services: [createEchoService({ aborts: [], produced: 0 })] });
    const frontdesk = defineModule({ name: 'frontdesk', clients: [echoClient], services: [FrontdeskService] });
    await start([echoModule, frontdesk], { server: { port }, clients: { echo: { target: `127.0.0.1:${port}` } } });
    const caller = createClient(Lab, { target: `127.0.0.1:${port}` });
    cleanups.push(caller.close);
    await expect(caller.Forward({ id: 'ada' })).resolves.toEqual({ remaining_ms: -1, path: ['echo of ada'] });
  });

  it('opens a client two modules declare once, and clients of different modules to one target share a connection', async () => {
    const backend = await echoBackend();
    const target = `127.0.0.1:${backend.port}`;
    const stubs: Client<typeof Echo>[] = [];
    const first = defineModule({ name: 'first', clients: [echoClient], services: [], register: (c) => void stubs.push(resolve(c, echoClient.token)) });
    const second = defineModule({
      name: 'second',
      clients: [echoClient, labClient],
      services: [],
      register: (c) => void stubs.push(resolve(c, echoClient.token)),
    });
    const running = await start([first, second], { server: { port: 0 }, clients: { echo: { target }, lab: { target } } });
    expect(stubs[0]).toBe(stubs[1]);
    await stubs[0]!.Unary({ message: 'one' });
    await resolve(running.container, labClient.token).Flaky({ key: 'k', failures: 0 });
    expect(backend.peers).toHaveLength(2);
    expect(new Set(backend.peers).size).toBe(1);
  });

  it('offers the interceptors a module names to the clients config names them for', async () => {
    const backend = await echoBackend();
    const seen: string[] = [];
    const audit: ClientInterceptor = (call, next) => {
      seen.push(call.method.path);
      return next(call);
    };
    const module = defineModule({ name: 'audited', clients: [echoClient], clientInterceptors: { audit }, services: [] });
    const running = await start([module], { server: { port: 0 }, clients: { echo: { target: `127.0.0.1:${backend.port}`, interceptors: ['audit'] } } });
    await resolve(running.container, echoClient.token).Unary({ message: 'm' });
    expect(seen).toEqual(['/switchboard.test.Echo/Unary']);
  });

  it('closes its channels after the server has stopped: dispose still calls, a later call fails CANCELLED', async () => {
    const backend = await echoBackend();
    let fromDispose: unknown;
    const module = defineModule({
      name: 'closing',
      clients: [echoClient],
      services: [],
      dispose: async (c) => {
        fromDispose = await resolve(c, echoClient.token).Unary({ message: 'from dispose' });
      },
    });
    const running = await startServer({
      modules: [module],
      config: {
        argv: [],
        env: {},
        configDir: null,
        values: { tree: { server: { port: 0 }, clients: { echo: { target: `127.0.0.1:${backend.port}` } } }, origin: 'test values' },
      },
      logger: pino({ level: 'silent' }),
    });
    const echo = resolve(running.container, echoClient.token);
    await echo.Unary({ message: 'warm' });
    await running.shutdown(0);
    expect(fromDispose).toMatchObject({ message: 'from dispose' });
    await expect(echo.Unary({ message: 'too late' })).rejects.toMatchObject({ code: Code.CANCELLED });
  });
});

describe('a server whose modules declare clients, given bad client config', () => {
  const module = defineModule({ name: 'frontdesk', clients: [echoClient], services: [FrontdeskService] });

  it('fails the start naming the key of a bad target, and nothing listens', async () => {
    const port = await freePort();
    const error = await startFailure(start([module], { server: { port }, clients: { echo: { target: 'nope:///x' } } }));
    expect(error.code).toBe('SB_ERR_CONFIG');
    expect(error.message).toMatch(/clients\.echo\.target: .*"nope:\/\/\/x"/);
    expect(await refused(port)).toBe(true);
  });

  it('fails the start naming a client interceptor no module names, and nothing listens', async () => {
    const port = await freePort();
    const error = await startFailure(start([module], { server: { port }, clients: { echo: { target: '127.0.0.1:1', interceptors: ['audit'] } } }));
    expect(error.message).toBe("SB_ERR_CONFIG: invalid client configuration:\n  clients.echo.interceptors: no interceptor named 'audit' (registered: none)");
    expect(await refused(port)).toBe(true);
  });

  it('fails the start when two modules give one interceptor name different interceptors', async () => {
    const a = defineModule({ name: 'a', clients: [echoClient], clientInterceptors: { audit: (c, n) => n(c) }, services: [] });
    const b = defineModule({ name: 'b', clientInterceptors: { audit: (c, n) => n(c) }, services: [] });
    const error = await startFailure(start([a, b], { server: { port: 0 }, clients: { echo: { target: '127.0.0.1:1' } } }));
    expect(error.message).toBe("SB_ERR_CONFIG: client interceptor 'audit' of 'b' is already named by 'a'");
  });
});
