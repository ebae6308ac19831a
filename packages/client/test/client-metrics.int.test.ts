import { defineModule, resolve } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Echo } from '@switchboard/test-support';
import { closeClients, createClient, defineClient, registerClients } from '../src/index';
import { drive } from './drive-call';
import { echoServer } from './echo-server';

/** Every sample of `name` in `registry`, as `grpc_type/grpc_method/grpc_code=value` (code only where the metric has it). */
async function samples(registry: Registry, name: string): Promise<string[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name} in the registry (has: ${(await registry.getMetricsAsJSON()).map((m) => m.name).join(', ')})`);
  const { values } = await metric.get();
  return (
    values
      // A histogram's values are its buckets, sum and count: the count is the number of calls.
      .filter((v) => !('metricName' in v) || v.metricName === `${name}_count`)
      .map((v) => {
        const l = v.labels as Record<string, string>;
        expect(l['grpc_service']).toBe('switchboard.test.Echo');
        return `${l['grpc_type']}/${l['grpc_method']}${l['grpc_code'] ? `/${l['grpc_code']}` : ''}=${v.value}`;
      })
      .sort()
  );
}

describe('client metrics', () => {
  let server: Awaited<ReturnType<typeof echoServer>>;
  beforeEach(async () => {
    server = await echoServer();
  });
  afterEach(() => server.close());

  it('count started, handled by grpc-go code name, messages and handling time of every call kind under go-grpc-prometheus client names', async () => {
    const registry = new Registry();
    const echo = createClient(Echo, { target: `127.0.0.1:${server.port}`, metricsRegistry: registry });
    try {
      expect((await drive(echo, 'Unary', { message: 'a' })).status).toBe('OK');
      expect((await drive(echo, 'Unary', { message: 'b' })).status).toBe('OK');
      expect((await drive(echo, 'Unary', { fail: 'NOT_FOUND' })).status).toBe('NOT_FOUND');
      expect((await drive(echo, 'Unary', { fail: 'INVALID_ARGUMENT' })).status).toBe('INVALID_ARGUMENT');
      expect(await drive(echo, 'ServerStream', { message: 's', count: 3 })).toMatchObject({ status: 'OK', responses: 3 });
      // The consumer leaves after one of five: the call is cancelled on the wire.
      expect(await drive(echo, 'ServerStream', { message: 's', count: 5 }, {}, { leaveAfter: 1 })).toMatchObject({ responses: 1 });
      expect((await drive(echo, 'ClientStream', { message: 'c' })).status).toBe('OK');
      expect((await drive(echo, 'Bidi', { message: 'd', count: 2 })).status).toBe('OK');
    } finally {
      echo.close();
    }

    expect(await samples(registry, 'grpc_client_started_total')).toEqual([
      'bidi_stream/Bidi=1',
      'client_stream/ClientStream=1',
      'server_stream/ServerStream=2',
      'unary/Unary=4',
    ]);
    expect(await samples(registry, 'grpc_client_handled_total')).toEqual([
      'bidi_stream/Bidi/OK=1',
      'client_stream/ClientStream/OK=1',
      'server_stream/ServerStream/Canceled=1',
      'server_stream/ServerStream/OK=1',
      'unary/Unary/InvalidArgument=1',
      'unary/Unary/NotFound=1',
      'unary/Unary/OK=2',
    ]);
    expect(await samples(registry, 'grpc_client_msg_sent_total')).toEqual([
      'bidi_stream/Bidi=1',
      'client_stream/ClientStream=1',
      'server_stream/ServerStream=2',
      'unary/Unary=4',
    ]);
    expect(await samples(registry, 'grpc_client_msg_received_total')).toEqual([
      'bidi_stream/Bidi=1',
      'client_stream/ClientStream=1',
      'server_stream/ServerStream=4',
      'unary/Unary=2',
    ]);
    expect(await samples(registry, 'grpc_client_handling_seconds')).toEqual([
      'bidi_stream/Bidi=1',
      'client_stream/ClientStream=1',
      'server_stream/ServerStream=2',
      'unary/Unary=4',
    ]);
  });

  it('are registered once per registry, however many clients count into it', async () => {
    const registry = new Registry();
    const clients = [1, 2, 3].map(() => createClient(Echo, { target: `127.0.0.1:${server.port}`, metricsRegistry: registry }));
    try {
      for (const client of clients) await client.Unary({ message: 'x' });
    } finally {
      for (const client of clients) client.close();
    }
    expect(await samples(registry, 'grpc_client_handled_total')).toEqual(['unary/Unary/OK=3']);
  });

  describe('of clients registered inside a server', () => {
    const echoDeclaration = defineClient('echo', Echo);
    const caller = defineModule({
      name: 'caller',
      services: [],
      config: echoDeclaration.schema,
      register: (container, config) => void registerClients(container, config, [echoDeclaration]),
      dispose: closeClients,
    });
    let running: RunningServer | undefined;
    afterEach(() => running?.shutdown(0));

    function start(): Promise<RunningServer> {
      return startServer({
        modules: [caller],
        logger: pino({ level: 'silent' }),
        config: {
          argv: [],
          env: {},
          configDir: null,
          values: {
            tree: {
              server: { host: '127.0.0.1', port: 0 },
              metrics: { enabled: true, port: 0 },
              clients: { echo: { target: `127.0.0.1:${server.port}` } },
            },
            origin: 'test',
          },
        },
      });
    }

    it('land in the registry the metrics endpoint serves when metrics.enabled', async () => {
      running = await start();
      await resolve(running.container, echoDeclaration.token).Unary({ message: 'in' });
      const response = await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`);
      expect((await response.text()).split('\n')).toContain(
        'grpc_client_handled_total{grpc_type="unary",grpc_service="switchboard.test.Echo",grpc_method="Unary",grpc_code="OK"} 1',
      );
    });
  });
});
