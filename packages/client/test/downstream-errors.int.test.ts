import { Code, RpcError } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import pino from 'pino';
import { freePort, type LastHop } from '@switchboard/test-support';
import { caller, hop } from './chain';

/** A logger that keeps its lines in memory. */
function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('a status that a handler’s own call received, passed on to its caller', () => {
  const seen = new Map<string, LastHop>();
  let b: RunningServer | undefined;
  let a: ReturnType<typeof caller> | undefined;
  afterEach(async () => {
    a?.close();
    await b?.shutdown(0);
  });

  it('keeps the code, hides the message naming an internal address, and logs it on the calling server', async () => {
    const { logger, lines } = memoryLogger();
    const refused = await freePort();
    b = await hop('B', seen, refused, {}, { logger });
    a = caller(b.port);
    const error = await a.stub.Forward({ hops: 1, id: 'refused' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(Code.UNAVAILABLE);
    expect((error as RpcError).rawMessage).toBe('a downstream call failed (UNAVAILABLE)');
    const logged = lines.find((l) => l['msg'] === 'a call made by the handler failed; its status is passed on');
    expect(logged).toMatchObject({ level: 40, method: '/switchboard.lab.Lab/Forward', code: 'UNAVAILABLE' });
    expect(JSON.stringify(logged)).toContain(`127.0.0.1:${refused}`);
  });

  it('passes the message on as it is with server.exposeDownstreamErrors', async () => {
    const refused = await freePort();
    b = await hop('B', seen, refused, {}, { config: { server: { exposeDownstreamErrors: true } } });
    a = caller(b.port);
    const error = await a.stub.Forward({ hops: 1, id: 'exposed' }).catch((e: unknown) => e);
    expect((error as RpcError).code).toBe(Code.UNAVAILABLE);
    expect((error as RpcError).rawMessage).toContain(`127.0.0.1:${refused}`);
  });
});
