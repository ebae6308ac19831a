import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { defineModule } from '@switchboard/core';
import { createEchoService, echoProto, type EchoReply, freePort } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { memoryLogger, unary, type EchoHarness } from './harness';

const echoModule = defineModule({ name: 'echo', services: [createEchoService({ aborts: [], produced: 0 })] });

function start(metrics: { enabled: boolean; port?: number }): Promise<RunningServer> {
  return startServer({
    modules: [echoModule],
    logger: memoryLogger().logger,
    config: { argv: [], env: {}, configDir: null, values: { tree: { server: { port: 0 }, metrics: { port: 0, ...metrics } }, origin: 'test' } },
  });
}

function echoClient(port: number): EchoHarness['client'] {
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  return new pkg.switchboard.test.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as EchoHarness['client'];
}

/** A GET over a fresh connection: the status and body, or the connection error. */
function get(port: number, path = '/metrics'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Samples of the Prometheus text format, keyed by name and sorted labels: `name{a="1",b="2"}`. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

/** Scrapes until `done` holds for the samples; throws after 200 scrapes so no test waits forever. */
async function scrapeUntil(port: number, done: (samples: Map<string, number>) => boolean, what: string): Promise<Map<string, number>> {
  for (let scrapes = 0; scrapes < 200; scrapes++) {
    const samples = parse((await get(port)).body);
    if (done(samples)) return samples;
  }
  throw new Error(`${what} not met in 200 scrapes`);
}

function key(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return `${name}{${parts.join(',')}}`;
}

const method = (grpc_type: string, grpc_method: string) => ({ grpc_type, grpc_service: 'switchboard.test.Echo', grpc_method });

function collect<T>(stream: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const replies: T[] = [];
    stream.on('data', (reply: T) => replies.push(reply));
    stream.on('error', reject);
    stream.on('end', () => resolve(replies));
  });
}

describe('server metrics with metrics.enabled', () => {
  let running: RunningServer;
  let client: EchoHarness['client'];
  beforeEach(async () => {
    running = await start({ enabled: true });
    client = echoClient(running.port);
  });
  afterEach(async () => {
    client.close();
    await running.shutdown(0);
  });

  it('counts started, handled by code, messages and handling time of every call kind under go-grpc-prometheus names', async () => {
    await unary(client, 'Unary', { message: 'a' });
    await unary(client, 'Unary', { message: 'b' });
    await expect(unary(client, 'Unary', { fail: 'NOT_FOUND' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(unary(client, 'Unary', { delay_ms: 10_000 }, { deadlineMs: 100 })).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    await expect(unary(client, 'Unary', { fail: 'PLAIN' })).rejects.toMatchObject({ code: grpc.status.INTERNAL });

    const serverStream = (client['ServerStream'] as (r: object) => grpc.ClientReadableStream<EchoReply>)({ message: 's', count: 3 });
    expect(await collect(serverStream)).toHaveLength(3);

    const clientStream = await new Promise<EchoReply>((resolve, reject) => {
      const call = (client['ClientStream'] as (cb: grpc.requestCallback<EchoReply>) => grpc.ClientWritableStream<object>)((error, reply) =>
        error ? reject(error) : resolve(reply as EchoReply),
      );
      call.write({ message: 'x' });
      call.write({ message: 'y' });
      call.end();
    });
    expect(clientStream.message).toBe('x,y');

    const bidi = (client['Bidi'] as () => grpc.ClientDuplexStream<object, EchoReply>)();
    const bidiReplies = collect(bidi);
    bidi.write({ message: '1' });
    bidi.write({ message: '2' });
    bidi.end();
    expect(await bidiReplies).toHaveLength(2);

    // A call's end is counted as its status is sent: the client may see it first.
    const handledTotal = (samples: Map<string, number>): number =>
      [...samples].filter(([k]) => k.startsWith('grpc_server_handled_total{')).reduce((sum, [, v]) => sum + v, 0);
    const samples = await scrapeUntil(running.metricsPort!, (s) => handledTotal(s) >= 8, 'eight handled calls');

    const unaryLabels = method('unary', 'Unary');
    const expected: [string, Record<string, string>, number][] = [
      ['grpc_server_started_total', unaryLabels, 5],
      ['grpc_server_handled_total', { ...unaryLabels, grpc_code: 'OK' }, 2],
      ['grpc_server_handled_total', { ...unaryLabels, grpc_code: 'NotFound' }, 1],
      ['grpc_server_handled_total', { ...unaryLabels, grpc_code: 'DeadlineExceeded' }, 1],
      ['grpc_server_handled_total', { ...unaryLabels, grpc_code: 'Internal' }, 1],
      ['grpc_server_msg_received_total', unaryLabels, 5],
      ['grpc_server_msg_sent_total', unaryLabels, 2],
      ['grpc_server_handling_seconds_count', unaryLabels, 5],
      ['grpc_server_handling_seconds_bucket', { ...unaryLabels, le: '+Inf' }, 5],

      ['grpc_server_started_total', method('server_stream', 'ServerStream'), 1],
      ['grpc_server_handled_total', { ...method('server_stream', 'ServerStream'), grpc_code: 'OK' }, 1],
      ['grpc_server_msg_received_total', method('server_stream', 'ServerStream'), 1],
      ['grpc_server_msg_sent_total', method('server_stream', 'ServerStream'), 3],

      ['grpc_server_started_total', method('client_stream', 'ClientStream'), 1],
      ['grpc_server_handled_total', { ...method('client_stream', 'ClientStream'), grpc_code: 'OK' }, 1],
      ['grpc_server_msg_received_total', method('client_stream', 'ClientStream'), 2],
      ['grpc_server_msg_sent_total', method('client_stream', 'ClientStream'), 1],

      ['grpc_server_started_total', method('bidi_stream', 'Bidi'), 1],
      ['grpc_server_handled_total', { ...method('bidi_stream', 'Bidi'), grpc_code: 'OK' }, 1],
      ['grpc_server_msg_received_total', method('bidi_stream', 'Bidi'), 2],
      ['grpc_server_msg_sent_total', method('bidi_stream', 'Bidi'), 2],
      ['grpc_server_handling_seconds_count', method('bidi_stream', 'Bidi'), 1],
    ];
    const actual = Object.fromEntries(expected.map(([name, labels]) => [key(name, labels), samples.get(key(name, labels))]));
    expect(actual).toEqual(Object.fromEntries(expected.map(([name, labels, value]) => [key(name, labels), value])));
    expect(handledTotal(samples)).toBe(8);
    // go-grpc-prometheus's default buckets, .005 s to 10 s.
    const les = [...samples.keys()]
      .filter((k) => k.startsWith('grpc_server_handling_seconds_bucket{') && k.includes('grpc_method="Unary"'))
      .map((k) => /le="([^"]+)"/.exec(k)![1]);
    expect(les).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  });

  it('serves the text format with Node process metrics, and 404 elsewhere', async () => {
    const scrape = await get(running.metricsPort!);
    expect(scrape.status).toBe(200);
    expect(scrape.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scrape.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(scrape.body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(scrape.body).toContain('# TYPE grpc_server_handling_seconds histogram');
    expect((await get(running.metricsPort!, '/')).status).toBe(404);
  });

  it('keeps each server’s counts apart when two run in one process', async () => {
    const other = await start({ enabled: true });
    try {
      await unary(client, 'Unary', { message: 'only here' });
      const unaryStarted = key('grpc_server_started_total', method('unary', 'Unary'));
      expect(parse((await get(running.metricsPort!)).body).get(unaryStarted)).toBe(1);
      expect(parse((await get(other.metricsPort!)).body).get(unaryStarted)).toBeUndefined();
      expect(other.metricsPort).not.toBe(running.metricsPort);
    } finally {
      await other.shutdown(0);
    }
  });
});

describe('the metrics endpoint', () => {
  it('does not listen when metrics are disabled', async () => {
    const port = await freePort();
    const running = await start({ enabled: false, port });
    try {
      expect(running.metricsPort).toBeUndefined();
      await expect(get(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await running.shutdown(0);
    }
  });

  it('listens on the configured port and is closed by shutdown, even with a scrape connection open', async () => {
    const port = await freePort();
    const running = await start({ enabled: true, port });
    expect(running.metricsPort).toBe(port);
    expect((await get(port)).status).toBe(200);
    const idle = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    const closed = new Promise((resolve) => idle.once('close', resolve));
    await running.shutdown(0);
    await closed;
    await expect(get(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
