import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Code, type RpcError } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import { type InMemoryTracing, type LastHop, type PeerServer, registerInMemoryTracing, startPeerServer, until } from '@switchboard/test-support';
import { caller, hop } from './chain';

const FORWARD = 'switchboard.lab.Lab/Forward';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';

/** A → B (ours) → C (the python peer, gRPC's C core, which reports the traceparent it received). */
async function chain(seen: Map<string, LastHop>, tracing: object) {
  const c = await startPeerServer({ services: ['lab'] });
  const b = await hop('B', seen, c.port, {}, { config: { tracing } });
  const a = await hop('A', seen, b.port, {}, { config: { tracing } });
  return { c, servers: [a, b], a: caller(a.port), ports: { a: a.port, b: b.port, c: c.port } };
}

/** The traceparent C received for request `id`. */
async function receivedByC(c: PeerServer, id: string): Promise<unknown> {
  return (await c.waitFor((e) => e.event === 'forward' && e['id'] === id))['traceparent'];
}

describe('tracing through a chain A → B → C, with tracing on (an in-memory SDK in the process, exporter none)', () => {
  const seen = new Map<string, LastHop>();
  let sdk: InMemoryTracing;
  let c: PeerServer;
  let servers: RunningServer[];
  let a: ReturnType<typeof caller>;
  let ports: { a: number; b: number; c: number };
  beforeEach(async () => {
    sdk = registerInMemoryTracing();
    ({ c, servers, a, ports } = await chain(seen, { enabled: true, exporter: 'none' }));
  });
  afterEach(async () => {
    a.close();
    for (const s of servers) await s.shutdown(0);
    await c.close();
    await sdk.close();
    seen.clear();
  });

  /** The spans of one trace, waited for until `count` have ended. */
  async function spansOf(traceId: string, count: number): Promise<ReadableSpan[]> {
    const of = () => sdk.spans().filter((s) => s.spanContext().traceId === traceId);
    await until(() => of().length >= count, 3000, `${count} spans of trace ${traceId}`);
    return of();
  }
  const childOf = (spans: ReadableSpan[], parent: ReadableSpan, kind: SpanKind): ReadableSpan => {
    const found = spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId && s.kind === kind);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it("gives C the trace id of the first caller's span, and parents every span on the one before", async () => {
    let first: { traceId: string; spanId: string } | undefined;
    const reply = await trace.getTracer('test').startActiveSpan('first caller', (span) => {
      first = span.spanContext();
      return a.stub.Forward({ hops: 2, id: 'on-1' }).finally(() => span.end());
    });
    expect(reply.path).toEqual(['A', 'B', 'py']);

    const traceId = first!.traceId;
    const spans = await spansOf(traceId, 6);
    const callerClient = spans.find((s) => s.parentSpanContext?.spanId === first!.spanId)!;
    expect(callerClient.kind).toBe(SpanKind.CLIENT);
    const aServer = childOf(spans, callerClient, SpanKind.SERVER);
    const aClient = childOf(spans, aServer, SpanKind.CLIENT);
    const bServer = childOf(spans, aClient, SpanKind.SERVER);
    const bClient = childOf(spans, bServer, SpanKind.CLIENT);
    expect(spans).toHaveLength(6);

    // C saw the trace of the first caller, with B's CLIENT span as its parent.
    expect(await receivedByC(c, 'on-1')).toBe(`00-${traceId}-${bClient.spanContext().spanId}-01`);

    for (const span of [callerClient, aServer, aClient, bServer, bClient]) {
      expect(span.name).toBe(FORWARD);
      expect(span.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'switchboard.lab.Lab',
        'rpc.method': 'Forward',
        'rpc.grpc.status_code': Code.OK,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(callerClient.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': ports.a });
    expect(aServer.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': ports.a, 'network.peer.address': '127.0.0.1' });
    expect(aClient.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': ports.b });
    expect(bServer.attributes).toMatchObject({ 'server.port': ports.b });
    expect(bClient.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': ports.c });
    // Remote parents are marked so: the server spans' parents came over the wire.
    expect(aServer.parentSpanContext?.isRemote).toBe(true);
    expect(aClient.parentSpanContext?.isRemote).toBeFalsy();
  });

  it('marks NOT_FOUND an error on the client span only, and INTERNAL an error on both (the server semantic conventions spare caller errors)', async () => {
    const outcomes: Record<string, [ReadableSpan, ReadableSpan]> = {};
    for (const code of ['NOT_FOUND', 'INTERNAL']) {
      const error = (await a.stub.Flaky({ key: `fail-${code}`, failures: 1, code }).catch((e: unknown) => e)) as RpcError;
      expect(error.code).toBe(Code[code as keyof typeof Code]);
      let pair: ReadableSpan[] = [];
      await until(() => {
        const client = sdk
          .spans()
          .find((s) => s.kind === SpanKind.CLIENT && s.name === 'switchboard.lab.Lab/Flaky' && s.attributes['rpc.grpc.status_code'] === error.code);
        const server = client && sdk.spans().find((s) => s.parentSpanContext?.spanId === client.spanContext().spanId);
        pair = client && server ? [client, server] : [];
        return pair.length === 2;
      });
      outcomes[code] = pair as [ReadableSpan, ReadableSpan];
    }
    const [notFoundClient, notFoundServer] = outcomes['NOT_FOUND']!;
    expect([notFoundClient.status.code, notFoundServer.status.code]).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(notFoundServer.attributes['rpc.grpc.status_code']).toBe(Code.NOT_FOUND);
    const [internalClient, internalServer] = outcomes['INTERNAL']!;
    expect([internalClient.status.code, internalServer.status.code]).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR]);
    expect(internalServer.attributes['rpc.grpc.status_code']).toBe(Code.INTERNAL);
    expect(internalClient.status.message).toBe('failure 1 of 1');
  });

  it('ends every span of the chain DEADLINE_EXCEEDED, an error, when the first caller’s deadline passes at C', async () => {
    const error = await trace
      .getTracer('test')
      .startActiveSpan('deadline', (span) => a.stub.Forward({ hops: 2, id: 'late', sleep_ms: 10_000 }, { deadlineMs: 500 }).finally(() => span.end()))
      .catch((e: unknown) => e);
    expect((error as RpcError).code).toBe(Code.DEADLINE_EXCEEDED);
    const root = sdk.spans().find((s) => s.name === 'deadline')!;
    const spans = (await spansOf(root.spanContext().traceId, 6)).filter((s) => s !== root);
    expect(spans.map((s) => [s.kind, s.attributes['rpc.grpc.status_code'], s.status.code])).toEqual(
      spans.map((s) => [s.kind, Code.DEADLINE_EXCEEDED, SpanStatusCode.ERROR]),
    );
    expect(spans.filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(2);
  });
});

describe('trace context through a chain A → B → C, with tracing off and no SDK in the process', () => {
  const seen = new Map<string, LastHop>();
  let c: PeerServer;
  let servers: RunningServer[];
  let a: ReturnType<typeof caller>;
  beforeEach(async () => {
    ({ c, servers, a } = await chain(seen, { enabled: false }));
  });
  afterEach(async () => {
    a.close();
    for (const s of servers) await s.shutdown(0);
    await c.close();
    seen.clear();
  });

  it('carries the traceparent and tracestate the first caller sent to C unchanged, by themselves', async () => {
    const traceparent = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;
    await a.stub.Forward({ hops: 2, id: 'off-1' }, { metadata: { traceparent, tracestate: 'congo=t61rcWkgMzE' } });
    const event = await c.waitFor((e) => e.event === 'forward' && e['id'] === 'off-1');
    expect([event['traceparent'], event['tracestate']]).toEqual([traceparent, 'congo=t61rcWkgMzE']);
  });

  it('keeps concurrent calls of different traces apart', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => (i + 1).toString(16).padStart(32, 'a'));
    await Promise.all(
      ids.map((id, i) => a.stub.Forward({ hops: 2, id: `many-${i}`, sleep_ms: 10 }, { metadata: { traceparent: `00-${id}-${CALLER_SPAN_ID}-01` } })),
    );
    for (const [i, id] of ids.entries()) expect(await receivedByC(c, `many-${i}`)).toBe(`00-${id}-${CALLER_SPAN_ID}-01`);
  });

  it('sends no traceparent when the first caller sent none', async () => {
    await a.stub.Forward({ hops: 2, id: 'off-none' });
    expect(await receivedByC(c, 'off-none')).toBeNull();
  });
});
