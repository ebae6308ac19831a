import * as path from 'node:path';
import { Service, createLogger, loadConfig, serverConfigSchema } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import { Bench, type BenchReply, type BenchRequest, type BenchServer } from './bench-definition';
import { benchHandlers } from './bench-handlers';
import { benchInterceptors } from './bench-interceptors';

@Service(Bench)
class BenchService {
  async Unary(request: BenchRequest): Promise<BenchReply> {
    return benchHandlers.unary(request);
  }

  async *ServerStream(request: BenchRequest): AsyncIterable<BenchReply> {
    yield* benchHandlers.stream(request);
  }
}

/**
 * Server B: a `SwitchboardServer` with the default config (health and
 * reflection on) and three global interceptors, on 127.0.0.1 and a free port.
 */
export async function startSwitchboardServer(): Promise<BenchServer> {
  const instruments = benchInterceptors();
  // The schema's defaults only: no argv, no environment, and a config folder that does not exist.
  const config = loadConfig(serverConfigSchema, { argv: [], env: {}, configDir: path.join(__dirname, 'no-config') });
  const logger = createLogger({ log: { level: 'warn' } });
  const server = new SwitchboardServer({ config: { ...config.server, host: '127.0.0.1', port: 0 }, interceptors: instruments.interceptors, logger });
  server.addService(new BenchService());
  const port = await server.listen();
  return { port, stats: () => instruments.stats(), close: () => server.shutdown(0) };
}
