import * as grpc from '@grpc/grpc-js';
import { Code, RpcError, Service, codeName, observe, type CallContext, type ServerInterceptor } from '@switchboard/core';
import { Echo, type EchoReply, type EchoRequest, until } from '@switchboard/test-support';
import { startEcho, type EchoHarness } from './harness';

type Kind = 'Unary' | 'ServerStream' | 'ClientStream' | 'Bidi';
/** How the call ends: the last two by a hook that throws (the outer observer's onResponse, the inner one's async onStart). */
type Ending = 'ok' | 'rpc' | 'throw' | 'deadline' | 'cancel' | 'responseHook' | 'startHook';

/** Tells the test the handler is waiting for the call to end (the moment a cancel is sent). */
let entered: () => void = () => undefined;

function aborted(ctx: CallContext): Promise<void> {
  entered();
  return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function behave(ending: string, ctx: CallContext): Promise<void> {
  if (ending === 'rpc') throw new RpcError(Code.FAILED_PRECONDITION, 'not now');
  if (ending === 'throw') throw new Error('boom');
  if (ending === 'deadline' || ending === 'cancel') await aborted(ctx);
}

@Service(Echo)
class Endings {
  async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
    await behave(request.message, ctx);
    return { message: request.message };
  }
  async *ServerStream(request: EchoRequest, ctx: CallContext): AsyncIterable<EchoReply> {
    yield { message: 'first' };
    yield { message: 'second' };
    await behave(request.message, ctx);
    yield { message: 'last' };
  }
  async ClientStream(requests: AsyncIterable<EchoRequest>, ctx: CallContext): Promise<EchoReply> {
    let count = 0;
    for await (const request of requests) if (++count === 3) await behave(request.message, ctx);
    return { message: String(count) };
  }
  async *Bidi(requests: AsyncIterable<EchoRequest>, ctx: CallContext): AsyncIterable<EchoReply> {
    let count = 0;
    for await (const request of requests) {
      yield { message: String(++count) };
      if (count === 3) await behave(request.message, ctx);
    }
  }
}

function describeError(error: unknown): string {
  if (error === undefined) return 'ok';
  if (error instanceof RpcError) return `RpcError ${codeName(error.code)} ${error.message}`;
  return error instanceof Error ? `${error.constructor.name} ${error.message}` : 'thrown non-Error';
}

/** Two observers, the inner one with async hooks, writing what they see into `events`. */
function observers(events: string[], ending: Ending): ServerInterceptor[] {
  const message = (m: unknown): string => (m as { message: string }).message;
  const outer = observe({
    onStart: (call) => void events.push(`outer start ${call.method.name}`),
    onRequest: (m) => void events.push(`outer request ${message(m)}`),
    onResponse: (m) => {
      events.push(`outer response ${message(m)}`);
      if (ending === 'responseHook') throw new Error('outer onResponse failed');
    },
    onEnd: (_call, error) => void events.push(`outer end ${describeError(error)}`),
  });
  const inner = observe({
    onStart: async (call) => {
      events.push(`inner start ${call.method.name}`);
      if (ending === 'startHook') throw new RpcError(Code.PERMISSION_DENIED, 'inner onStart refused');
    },
    onRequest: (m) => void events.push(`inner request ${message(m)}`),
    onResponse: async (m) => void events.push(`inner response ${message(m)}`),
    onEnd: async (_call, error) => void events.push(`inner end ${describeError(error)}`),
  });
  return [outer, inner];
}

/** Not an observer: puts the chain on the generic path. */
const passThrough: ServerInterceptor = (call, next) => next(call);

/** Runs one call to its end on the client and returns its status code and details. */
function runCall(client: EchoHarness['client'], kind: Kind, ending: Ending): Promise<string> {
  const options: grpc.CallOptions = ending === 'deadline' ? { deadline: Date.now() + 300 } : {};
  const md = new grpc.Metadata();
  const ignore = (): void => undefined;
  return new Promise((resolve) => {
    let call: grpc.ClientUnaryCall | grpc.ClientReadableStream<unknown> | grpc.ClientWritableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>;
    const request = { message: ending };
    if (kind === 'Unary') call = (client.Unary as (...a: unknown[]) => grpc.ClientUnaryCall)(request, md, options, ignore);
    else if (kind === 'ServerStream') call = (client.ServerStream as (...a: unknown[]) => grpc.ClientReadableStream<unknown>)(request, md, options);
    else if (kind === 'ClientStream') call = (client.ClientStream as (...a: unknown[]) => grpc.ClientWritableStream<unknown>)(md, options, ignore);
    else call = (client.Bidi as (...a: unknown[]) => grpc.ClientDuplexStream<unknown, unknown>)(md, options);
    const events = call as NodeJS.EventEmitter;
    events.on('data', ignore);
    events.on('error', ignore);
    // A deadline's or cancel's details are the client's own (its timings), not the server's.
    call.on('status', (status: grpc.StatusObject) =>
      resolve(ending === 'deadline' || ending === 'cancel' ? Code[status.code] : `${Code[status.code]} ${status.details}`),
    );
    entered = () => {
      if (ending === 'cancel') call.cancel();
    };
    if (kind === 'ClientStream' || kind === 'Bidi') {
      const writable = call as grpc.ClientWritableStream<unknown>;
      for (const message of ['a', 'b', ending]) writable.write({ message });
      if (ending !== 'deadline' && ending !== 'cancel') writable.end();
    }
  });
}

describe('a chain of observe() interceptors', () => {
  let h: EchoHarness | undefined;
  afterEach(() => h?.close());

  async function observe_(kind: Kind, ending: Ending, generic: boolean): Promise<{ status: string; events: string[] }> {
    const events: string[] = [];
    h = await startEcho({ interceptors: [...observers(events, ending), ...(generic ? [passThrough] : [])], service: Endings });
    const status = await runCall(h.client, kind, ending);
    await until(() => events.some((e) => e.startsWith('outer end')), 3000, 'the outer observer to end');
    await h.close();
    h = undefined;
    return { status, events };
  }

  const kinds: Kind[] = ['Unary', 'ServerStream', 'ClientStream', 'Bidi'];
  const endings: Ending[] = ['ok', 'rpc', 'throw', 'deadline', 'cancel', 'responseHook', 'startHook'];
  for (const kind of kinds)
    for (const ending of endings)
      it(`sees the same hooks, order and status without a pass-through interceptor as with one: ${kind} ending ${ending}`, async () => {
        const fast = await observe_(kind, ending, false);
        const generic = await observe_(kind, ending, true);
        expect(fast).toEqual(generic);
        expect(fast.events.filter((e) => e.includes(' end '))).toHaveLength(2);
        expect(fast.events.at(-1)).toMatch(/^outer end /);
      });
});
