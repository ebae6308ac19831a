import * as http from 'node:http';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Code, SwitchboardError, defineModule } from '@switchboard/core';
import { createEchoService, echoProto, type InMemoryTracing, registerInMemoryTracing, runTsChild, until } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { memoryLogger, unary, type EchoHarness } from './harness';

const echoModule = defineModule({ name: 'echo', services: [createEchoService({ aborts: [], produced: 0 })] });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

function start(tracing: object): Promise<RunningServer> {
  return startServer({
    modules: [echoModule],
    logger: memoryLogger().logger,
    config: { argv: [], env: {}, configDir: null, values: { tree: { server: { port: 0 }, tracing }, origin: 'test' } },
  });
}

function echoClient(port: number): EchoHarness['client'] {
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  return new pkg.switchboard.test.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as EchoHarness['client'];
}

function traced(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`);
  metadata.set('tracestate', 'vendor=x');
  return metadata;
}

/** An OTLP/gRPC collector on 127.0.0.1 that keeps each export request's bytes. */
async function startCollector(): Promise<{ endpoint: string; received: Buffer[]; close(): void }> {
  const received: Buffer[] = [];
  const collector = new grpc.Server();
  const raw = (b: Buffer): Buffer => b;
  collector.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        received.push(call.request);
        callback(null, Buffer.alloc(0)); // an empty ExportTraceServiceResponse
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    collector.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  return { endpoint: `http://127.0.0.1:${port}`, received, close: () => collector.forceShutdown() };
}

describe('tracing: a SERVER span per call, with the process registering its own SDK (exporter none)', () => {
  let sdk: InMemoryTracing;
  let running: RunningServer;
  let client: EchoHarness['client'];
  beforeEach(async () => {
    sdk = registerInMemoryTracing();
    running = await start({ enabled: true, exporter: 'none' });
    client = echoClient(running.port);
  });
  afterEach(async () => {
    client.close();
    await running.shutdown(0);
    await sdk.close();
  });
  /** A unary call whose span is told apart by the order calls end (one call at a time). */
  const call = async (request: object, options: Parameters<typeof unary>[3] = {}): Promise<ReadableSpan> => {
    const before = sdk.spans().length;
    await unary(client, 'Unary', request, options).catch(() => undefined);
    await until(() => sdk.spans().length > before);
    return sdk.spans()[before]!;
  };

  it("is named package.Service/Method, of kind SERVER, child of the caller's traceparent, with the gRPC attributes", async () => {
    const span = await call({ message: 'hi' }, { metadata: traced() });
    expect(span.name).toBe('switchboard.test.Echo/Unary');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span.parentSpanContext?.isRemote).toBe(true);
    expect(span.spanContext().traceState?.get('vendor')).toBe('x');
    expect(span.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'switchboard.test.Echo',
      'rpc.method': 'Unary',
      'rpc.grpc.status_code': Code.OK,
      'network.peer.address': '127.0.0.1',
      'server.address': '127.0.0.1',
      'server.port': running.port,
    });
    expect(span.attributes['network.peer.port']).toEqual(expect.any(Number));
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts a new trace for a call without traceparent', async () => {
    const span = await call({ message: 'root' });
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('sets status ERROR for INTERNAL and UNAVAILABLE, and leaves NOT_FOUND and INVALID_ARGUMENT unset (the semantic conventions for servers)', async () => {
    const outcomes: [string, number, SpanStatusCode][] = [
      ['INTERNAL', Code.INTERNAL, SpanStatusCode.ERROR],
      ['UNAVAILABLE', Code.UNAVAILABLE, SpanStatusCode.ERROR],
      ['NOT_FOUND', Code.NOT_FOUND, SpanStatusCode.UNSET],
      ['INVALID_ARGUMENT', Code.INVALID_ARGUMENT, SpanStatusCode.UNSET],
      ['PLAIN', Code.INTERNAL, SpanStatusCode.ERROR],
    ];
    for (const [fail, code, status] of outcomes) {
      const span = await call({ message: fail, fail });
      expect([fail, span.attributes['rpc.grpc.status_code'], span.status.code]).toEqual([fail, code, status]);
    }
  });

  it('ends the span with DEADLINE_EXCEEDED, an error, when the deadline passes during the handler', async () => {
    const span = await call({ message: 'slow', delay_ms: 10_000 }, { deadlineMs: 200 });
    expect(span.attributes['rpc.grpc.status_code']).toBe(Code.DEADLINE_EXCEEDED);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('ends the span with CANCELLED, not an error, when the client cancels', async () => {
    const before = sdk.spans().length;
    const pending = (client.Unary as (...a: unknown[]) => grpc.ClientUnaryCall)(
      { message: 'cancel me', delay_ms: 10_000 },
      new grpc.Metadata(),
      () => undefined,
    );
    await until(() => running.server.callsInFlight === 1);
    pending.cancel();
    await until(() => sdk.spans().length > before);
    const span = sdk.spans()[before]!;
    expect(span.attributes['rpc.grpc.status_code']).toBe(Code.CANCELLED);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('tracing config', () => {
  it('is off by default: no SDK, no spans', async () => {
    const running = await start({});
    expect(running.config.tracing).toEqual({ enabled: false, exporter: 'otlp-grpc', endpoint: '', serviceName: '', sampleRatio: 1 });
    await running.shutdown(0);
  });

  it('names the allowed exporters, and the range of sampleRatio, for wrong values', async () => {
    const error = await start({ enabled: true, exporter: 'jaeger', sampleRatio: 2, endpoint: 'localhost:4317' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwitchboardError);
    const message = (error as Error).message;
    expect(message).toContain('tracing.exporter: must be one of the possible values: ["otlp-grpc","otlp-http","console","none"]: value was "jaeger"');
    expect(message).toContain('tracing.sampleRatio: must be a number from 0 to 1: value was 2');
    expect(message).toContain('tracing.endpoint: must be an http:// or https:// URL (or empty for the default): value was "localhost:4317"');
  });

  it('with exporter none, refuses to start when the process registered no SDK, naming what is missing', async () => {
    const error = await start({ enabled: true, exporter: 'none' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as Error).message).toContain(
      "tracing.exporter is 'none', so the process's own OpenTelemetry SDK is used, but it has not registered a tracer provider or a context manager",
    );
  });
});

describe('tracing exporters set up by startServer', () => {
  it('otlp-http: the spans of calls reach the collector when the server shuts down (the batch is flushed)', async () => {
    const bodies: { path: string; body: Buffer }[] = [];
    const collector = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    try {
      // In a plain node child: the exporter loads node:http with import(), which jest refuses.
      const run = await runTsChild(path.join(__dirname, 'otlp-http-export.ts'), { endpoint: `http://127.0.0.1:${port}/v1/traces` });
      expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: 'called\nshut down\n', stderr: '' });
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies[0]!.path).toBe('/v1/traces');
      const sent = Buffer.concat(bodies.map((b) => b.body)).toString('latin1');
      expect(sent).toContain('switchboard.test.Echo/Unary');
      expect(sent).toContain('echo-http');
    } finally {
      collector.close();
    }
  });

  it('otlp-grpc: the spans reach a gRPC collector (TraceService/Export) when the server shuts down', async () => {
    const collector = await startCollector();
    try {
      const running = await start({ enabled: true, exporter: 'otlp-grpc', endpoint: collector.endpoint, serviceName: 'echo-grpc' });
      const client = echoClient(running.port);
      await unary(client, 'Unary', { message: 'exported' });
      client.close();
      await running.shutdown(0);
      expect(collector.received.length).toBeGreaterThan(0);
      const sent = Buffer.concat(collector.received).toString('latin1');
      expect(sent).toContain('switchboard.test.Echo/Unary');
      expect(sent).toContain('echo-grpc');
    } finally {
      collector.close();
    }
  });

  it("samples new traces at sampleRatio and follows a caller's sampled flag (parent-based)", async () => {
    const collector = await startCollector();
    try {
      const running = await start({ enabled: true, exporter: 'otlp-grpc', endpoint: collector.endpoint, sampleRatio: 0 });
      const client = echoClient(running.port);
      await unary(client, 'Unary', { message: 'new trace, not sampled' });
      await unary(client, 'Unary', { message: 'sampled by its caller' }, { metadata: traced() });
      client.close();
      await running.shutdown(0);
      const sent = Buffer.concat(collector.received);
      expect(sent.toString('latin1').split('switchboard.test.Echo/Unary')).toHaveLength(2); // one span
      expect(sent.includes(Buffer.from(TRACE_ID, 'hex'))).toBe(true);
    } finally {
      collector.close();
    }
  });

  it('shares one SDK between two servers of the process, and refuses a second server with another tracing config', async () => {
    const first = await start({ enabled: true, exporter: 'console', serviceName: 'one' });
    const second = await start({ enabled: true, exporter: 'console', serviceName: 'one' });
    const error = await start({ enabled: true, exporter: 'console', serviceName: 'two' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^SB_ERR_CONFIG: tracing: this process already runs a tracing SDK set up with .*"serviceName":"one".*; a second server asks for .*"serviceName":"two"/,
    );
    await first.shutdown(0);
    await second.shutdown(0);
  });
});
