import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SwitchboardError } from '@switchboard/core';
import { createEchoService, type Observed } from '@switchboard/test-support';
import { memoryLogger, startEcho, testServerConfig, unary, type EchoHarness } from './harness';
import { SwitchboardServer } from '../src/switchboard-server';

type Ctor = grpc.ServiceClientConstructor;
function clientOf(file: string, name: string, port: number): grpc.Client & Record<string, (...a: unknown[]) => unknown> {
  const def = protoLoader.loadSync(file, { keepCase: true, defaults: true, enums: String });
  let ctor: unknown = grpc.loadPackageDefinition(def);
  for (const part of name.split('.')) ctor = (ctor as Record<string, unknown>)[part];
  return new (ctor as Ctor)(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
}
const HEALTH_PROTO = path.join(path.dirname(require.resolve('grpc-health-check/package.json')), 'proto/health/v1/health.proto');
const REFLECTION_DIR = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection');

describe('health and reflection', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(() => h.close());

  it('reports SERVING for the server and each service, NOT_FOUND for others', async () => {
    const health = clientOf(HEALTH_PROTO, 'grpc.health.v1.Health', h.port);
    await expect(unary(health, 'Check', { service: '' })).resolves.toEqual({ status: 'SERVING' });
    await expect(unary(health, 'Check', { service: 'switchboard.test.Echo' })).resolves.toEqual({ status: 'SERVING' });
    await expect(unary(health, 'Check', { service: 'nope.Nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    health.close();
  });

  it('lists the services through reflection v1 and v1alpha', async () => {
    for (const version of ['v1', 'v1alpha']) {
      const client = clientOf(path.join(REFLECTION_DIR, version, 'reflection.proto'), `grpc.reflection.${version}.ServerReflection`, h.port);
      const call = client['ServerReflectionInfo']!() as grpc.ClientDuplexStream<object, { list_services_response?: { service: { name: string }[] } }>;
      call.on('error', () => undefined);
      call.write({ list_services: '' });
      const reply = await new Promise<{ list_services_response?: { service: { name: string }[] } }>((r) => call.once('data', r));
      call.end();
      expect(reply.list_services_response?.service.map((s) => s.name)).toContain('switchboard.test.Echo');
      client.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('turns health NOT_SERVING, refuses new calls and lets calls in flight finish', async () => {
    const h = await startEcho();
    const health = clientOf(HEALTH_PROTO, 'grpc.health.v1.Health', h.port);
    const watch = health['Watch']!({ service: '' }) as grpc.ClientReadableStream<{ status: string }>;
    const statuses: string[] = [];
    watch.on('data', (m: { status: string }) => statuses.push(m.status));
    watch.on('error', () => undefined);
    await new Promise((r) => watch.once('data', r));

    const inFlight = unary(h.client, 'Unary', { message: 'slow', delay_ms: 400 });
    await new Promise((r) => setTimeout(r, 50));
    const stopping = h.server.shutdown(5000);
    await new Promise((r) => setTimeout(r, 50));
    await expect(unary(h.client, 'Unary', { message: 'late' })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: 'the server is shutting down',
    });
    await expect(inFlight).resolves.toMatchObject({ message: 'slow' });
    await stopping;
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    health.close();
    h.client.close();
  });

  it('cancels calls still running when the grace period ends', async () => {
    const h = await startEcho();
    const inFlight = unary(h.client, 'Unary', { delay_ms: 10000 }).catch((e: grpc.ServiceError) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await h.server.shutdown(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(h.observed.aborts).toEqual([{ method: 'Unary', reason: expect.objectContaining({ code: grpc.status.UNAVAILABLE }) }]);
    expect(await inFlight).toMatchObject({ code: grpc.status.UNAVAILABLE });
    h.client.close();
  });
});

describe('adding a service', () => {
  it('fails at start when a handler is missing, naming the service, the method and what exists', () => {
    const observed: Observed = { aborts: [], produced: 0 };
    const Echo = createEchoService(observed);
    const broken = new Echo() as unknown as Record<string, unknown>;
    broken['Bidi'] = undefined;
    const server = new SwitchboardServer({ config: testServerConfig(), logger: memoryLogger().logger });
    expect(() => server.addService(broken)).toThrow(SwitchboardError);
    expect(() => server.addService(broken)).toThrow(
      "EchoService serves switchboard.test.Echo but has no handler 'Bidi' (rpcs: Unary, ServerStream, ClientStream, Bidi; class methods: Unary, ServerStream, ClientStream, Bidi)",
    );
  });
});
