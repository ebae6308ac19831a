import { resolve, schemaDefaults, serverConfigSchema, type ServerInterceptor } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import pino from 'pino';
import { createEchoService, Echo, type Observed } from '@switchboard/test-support';
import { defineClient } from '../src/index';
import { connect } from './chain';

const echoClient = defineClient('echo', Echo);
const CALLS = 5000;
const CALLERS = 30;

describe('hedging at volume', () => {
  let server: SwitchboardServer;
  let close: () => void = () => undefined;
  afterEach(async () => {
    close();
    await server.shutdown(0);
  });

  it(`loses none of ${CALLS} hedged calls, though thousands of hedges are cancelled on one connection`, async () => {
    const observed: Observed = { aborts: [], produced: 0 };
    const peers: string[] = [];
    const recordPeer: ServerInterceptor = (call, next) => {
      peers.push(call.ctx.peer);
      return next(call);
    };
    server = new SwitchboardServer({
      config: { ...schemaDefaults(serverConfigSchema).server, port: 0 },
      logger: pino({ level: 'silent' }),
      interceptors: [recordPeer],
    });
    server.addService(new (createEchoService(observed))());
    const port = await server.listen();
    // Hedges go out 5 ms apart and each attempt takes 10 ms: the first answer cancels the others while they run.
    const hedging = { maxAttempts: 3, hedgingDelayMs: 5, nonFatalCodes: ['UNAVAILABLE'] };
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${port}`, hedging } });
    close = c.close;
    const echo = resolve(c.container, echoClient.token);

    const failures: string[] = [];
    let answered = 0;
    let next = 0;
    const caller = async (): Promise<void> => {
      while (next < CALLS) {
        const message = String(next++);
        try {
          const reply = await echo.Unary({ message, delay_ms: 10 });
          if (reply.message === message) answered++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: CALLERS }, caller));

    expect(failures).toEqual([]);
    expect(answered).toBe(CALLS);
    // The server saw the cancels: more than nghttp2's 1,000-reset burst, so the connection was replaced, not lost.
    expect(observed.aborts.length).toBeGreaterThan(1000);
    expect(new Set(peers).size).toBeGreaterThan(1);
  }, 30_000);
});
