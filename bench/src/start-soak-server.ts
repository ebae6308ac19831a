import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ErrorInfo, RpcError, Service, codeName, createLogger, observe, type CallContext } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import type { BenchServer } from './bench-definition';
import { ENDLESS_LIMIT, PLANNED_REASON, SECRET, Soak, type SoakReply, type SoakRequest } from './soak-definition';
import { benchServerConfig } from './start-switchboard-server';

/** The failure a request asks for, if any. */
function plannedFailure(request: SoakRequest): Error | undefined {
  switch (request.ending) {
    case 'RPC_ERROR':
      return new RpcError(Code.FAILED_PRECONDITION, 'planned failure', {
        details: [ErrorInfo.create({ reason: PLANNED_REASON, domain: 'bench.switchboard', metadata: { bytes: String(request.payload.length) } })],
      });
    case 'THROW':
      return new Error(`planned crash (${SECRET})`);
    case 'OK':
    case 'WAIT':
    case 'ENDLESS':
      return undefined;
  }
}

/** Waits `ms`, or until the call ends (then rejects with the signal's reason, as a handler's wait would). */
function waitFor(ms: number, ctx: CallContext): Promise<void> {
  return sleep(ms, undefined, { signal: ctx.signal });
}

@Service(Soak)
class SoakService {
  async Unary(request: SoakRequest, ctx: CallContext): Promise<SoakReply> {
    const failure = plannedFailure(request);
    if (failure !== undefined) throw failure;
    if (request.ending === 'WAIT') await waitFor(request.wait_ms, ctx);
    return { index: 0, payload: request.payload };
  }

  async *ServerStream(request: SoakRequest, ctx: CallContext): AsyncIterable<SoakReply> {
    const count = request.ending === 'ENDLESS' ? ENDLESS_LIMIT : request.count;
    for (let index = 0; index < count; index++) yield { index, payload: request.payload };
    const failure = plannedFailure(request);
    if (failure !== undefined) throw failure;
    if (request.ending === 'WAIT') await waitFor(request.wait_ms, ctx);
  }

  async *Bidi(requests: AsyncIterable<SoakRequest>): AsyncIterable<SoakReply> {
    let index = 0;
    for await (const request of requests) {
      const failure = plannedFailure(request);
      if (failure !== undefined) throw failure;
      yield { index: index++, payload: request.payload };
    }
  }
}

/**
 * The soak's server: a `SwitchboardServer` with the default config (and
 * `overrides`), serving `switchboard.bench.Soak`, with one interceptor that
 * counts how calls ended as the server saw them, by method and the ending
 * the first request asked for (`-` when no request arrived). Its logger writes at error
 * level (each plain Error a handler throws is logged) to a sink that counts
 * the lines.
 */
export async function startSoakServer(overrides: Readonly<Record<string, unknown>> = {}): Promise<BenchServer> {
  const ended = new Map<string, number>();
  let logLines = 0;
  const asked = new WeakMap<object, string>();
  const endings = observe({
    onRequest: (message, call) => {
      if (!asked.has(call)) asked.set(call, (message as SoakRequest).ending);
    },
    onEnd: (call, error) => {
      // What the server sends for it: a plain Error goes out as INTERNAL.
      const name = `${call.method.name} ${asked.get(call) ?? '-'} ${error === undefined ? 'OK' : codeName(RpcError.from(error, Code.INTERNAL).code)}`;
      ended.set(name, (ended.get(name) ?? 0) + 1);
    },
  });
  const logger = createLogger({ log: { level: 'error' } }, { write: () => void logLines++ });
  const server = new SwitchboardServer({ config: benchServerConfig(overrides), interceptors: [endings], logger });
  server.addService(new SoakService());
  const port = await server.listen();
  return {
    port,
    stats: () => ({ inFlight: server.callsInFlight, logLines, ...Object.fromEntries([...ended].map(([name, n]) => [`ended ${name}`, n])) }),
    close: () => server.shutdown(0),
  };
}
