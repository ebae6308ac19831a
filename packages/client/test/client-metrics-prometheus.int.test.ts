import { Code, defineModule, resolve } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { createEchoService, Echo, freePort, type Prometheus, type PromSample, startPrometheus } from '@switchboard/test-support';
import { closeClients, defineClient, registerClients } from '../src/index';

const echoClient = defineClient('echo', Echo);

/** Serves Echo and calls it through an injected client: one server's calls seen from both ends. */
const loopback = defineModule({
  name: 'loopback',
  services: [createEchoService({ aborts: [], produced: 0 })],
  config: echoClient.schema,
  register: (container, config) => void registerClients(container, config, [echoClient]),
  dispose: closeClients,
});

/** `{ code: count }` of a `sum by (grpc_code)` vector. */
const byCode = (samples: PromSample[]): Record<string, number> => Object.fromEntries(samples.map((s) => [s.metric['grpc_code'], s.value]));

describe('a real Prometheus server scraping a server whose clients count into its registry', () => {
  let running: RunningServer;
  let prometheus: Prometheus | undefined;
  beforeAll(async () => {
    const port = await freePort();
    running = await startServer({
      modules: [loopback],
      logger: pino({ level: 'silent' }),
      config: {
        argv: [],
        env: {},
        configDir: null,
        values: {
          tree: {
            server: { host: '127.0.0.1', port },
            metrics: { enabled: true, host: '127.0.0.1', port: 0 },
            clients: { echo: { target: `127.0.0.1:${port}` } },
          },
          origin: 'test',
        },
      },
    });
  });
  afterAll(async () => {
    await prometheus?.close();
    await running.shutdown(0);
  });

  it('returns, for PromQL queries over its HTTP API, the calls the client made per grpc_code, on the client and the server series alike', async () => {
    const echo = resolve(running.container, echoClient.token);
    for (let i = 0; i < 4; i++) await echo.Unary({ message: `ok ${i}` });
    await expect(echo.Unary({ fail: 'NOT_FOUND' })).rejects.toMatchObject({ code: Code.NOT_FOUND });
    for (let i = 0; i < 2; i++) await expect(echo.Unary({ fail: 'INVALID_ARGUMENT' })).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    let streamed = 0;
    for await (const _ of echo.ServerStream({ message: 's', count: 3 })) streamed++;
    expect(streamed).toBe(3);

    prometheus = await startPrometheus([`127.0.0.1:${running.metricsPort}`]);
    await prometheus.scrapedAfterNow();

    const expected = { OK: 4, NotFound: 1, InvalidArgument: 2 };
    expect(byCode(await prometheus.query('sum by (grpc_code)(grpc_client_handled_total{grpc_method="Unary"})'))).toEqual(expected);
    expect(byCode(await prometheus.query('sum by (grpc_code)(grpc_server_handled_total{grpc_method="Unary"})'))).toEqual(expected);
    expect(await prometheus.query('sum by (grpc_type)(grpc_client_msg_received_total{grpc_method="ServerStream"})')).toEqual([
      { metric: { grpc_type: 'server_stream' }, value: 3 },
    ]);
    expect(await prometheus.query('sum(grpc_client_handling_seconds_count{grpc_service="switchboard.test.Echo"})')).toEqual([{ metric: {}, value: 8 }]);
  });
});
