import * as path from 'node:path';
import { Service, createLogger, loadConfig, serverConfigSchema, type ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import { Bench, type BenchReply, type BenchRequest, type BenchServer } from './bench-definition';
import { benchHandlers } from './bench-handlers';
import { benchInterceptors } from './bench-interceptors';
import { withConfigFiles } from './config-files';

/** The bench service as a Switchboard `@Service`: the handlers every Switchboard server under test serves. */
@Service(Bench)
export class BenchService {
  async Unary(request: BenchRequest): Promise<BenchReply> {
    return benchHandlers.unary(request);
  }

  async *ServerStream(request: BenchRequest): AsyncIterable<BenchReply> {
    yield* benchHandlers.stream(request);
  }

  async ClientStream(requests: AsyncIterable<BenchRequest>): Promise<BenchReply> {
    return benchHandlers.upload(requests);
  }

  Bidi(requests: AsyncIterable<BenchRequest>): AsyncIterable<BenchReply> {
    return benchHandlers.echoEach(requests);
  }
}

/**
 * The `server` config section a bench server runs with: the schema's defaults
 * (no argv, no environment, no config folder), then `overrides` through the
 * loader's `--config` file, so a wrong key fails as it would in an app.
 * Always on 127.0.0.1 and a free port.
 */
export function benchServerConfig(overrides: Readonly<Record<string, unknown>> = {}): ServerConfig['server'] {
  const load = (argv: string[]): ServerConfig => loadConfig(serverConfigSchema, { argv, env: {}, configDir: path.join(__dirname, 'no-config') });
  const config =
    Object.keys(overrides).length === 0
      ? load([])
      : withConfigFiles({ 'override.json': { server: overrides } }, (dir) => load(['--config', path.join(dir, 'override.json')]));
  return { ...config.server, host: '127.0.0.1', port: 0 };
}

/**
 * Server B: a `SwitchboardServer` with the default config (health and
 * reflection on) and three global interceptors, on 127.0.0.1 and a free port.
 * `overrides` replaces keys of the `server` config section (`BENCH_SERVER_CONFIG`).
 */
export async function startSwitchboardServer(overrides: Readonly<Record<string, unknown>> = {}): Promise<BenchServer> {
  const instruments = benchInterceptors();
  const logger = createLogger({ log: { level: 'warn' } });
  const server = new SwitchboardServer({ config: benchServerConfig(overrides), interceptors: instruments.interceptors, logger });
  server.addService(new BenchService());
  const port = await server.listen();
  return { port, stats: () => instruments.stats(), close: () => server.shutdown(0) };
}
