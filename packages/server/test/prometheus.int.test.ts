import * as grpc from '@grpc/grpc-js';
import { defineModule } from '@switchboard/core';
import { createEchoService, echoProto, type Prometheus, type PromSample, startPrometheus } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { memoryLogger, unary, type EchoHarness } from './harness';

const echoModule = defineModule({ name: 'echo', services: [createEchoService({ aborts: [], produced: 0 })] });

/** `{ code: count }` of a `sum by (grpc_code)` vector. */
const byCode = (samples: PromSample[]): Record<string, number> => Object.fromEntries(samples.map((s) => [s.metric['grpc_code'], s.value]));

describe('a real Prometheus server scraping a server with metrics.enabled', () => {
  let running: RunningServer;
  let client: EchoHarness['client'];
  let prometheus: Prometheus | undefined;
  beforeAll(async () => {
    running = await startServer({
      modules: [echoModule],
      logger: memoryLogger().logger,
      config: {
        argv: [],
        env: {},
        configDir: null,
        values: { tree: { server: { host: '127.0.0.1', port: 0 }, metrics: { enabled: true, host: '127.0.0.1', port: 0 } }, origin: 'test' },
      },
    });
    const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
    client = new pkg.switchboard.test.Echo(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure()) as EchoHarness['client'];
  });
  afterAll(async () => {
    client.close();
    await prometheus?.close();
    await running.shutdown(0);
  });

  it('returns, for a PromQL query over its HTTP API, the calls the test made per grpc_code', async () => {
    for (let i = 0; i < 3; i++) await unary(client, 'Unary', { message: `ok ${i}` });
    for (let i = 0; i < 2; i++) await expect(unary(client, 'Unary', { fail: 'NOT_FOUND' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(unary(client, 'Unary', { fail: 'INVALID_ARGUMENT' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });

    prometheus = await startPrometheus([`127.0.0.1:${running.metricsPort}`]);
    await prometheus.scrapedAfterNow();

    expect(byCode(await prometheus.query('sum by (grpc_code)(grpc_server_handled_total{grpc_method="Unary"})'))).toEqual({
      OK: 3,
      NotFound: 2,
      InvalidArgument: 1,
    });
    expect(await prometheus.query('sum(grpc_server_started_total{grpc_method="Unary"})')).toEqual([{ metric: {}, value: 6 }]);
    const histogram = await prometheus.query(
      'sum by (grpc_type, grpc_service)(grpc_server_handling_seconds_count{grpc_service="switchboard.test.Echo",grpc_method="Unary"})',
    );
    expect(histogram).toEqual([{ metric: { grpc_type: 'unary', grpc_service: 'switchboard.test.Echo' }, value: 6 }]);
  });
});
