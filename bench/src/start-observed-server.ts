import * as fs from 'node:fs';
import { createLogger, defineModule } from '@switchboard/core';
import { startServer } from '@switchboard/server';
import type { BenchServer } from './bench-definition';
import { BenchService } from './start-switchboard-server';

type Tree = Record<string, unknown>;

/** The config every observed server starts from: no metrics, no access log, on 127.0.0.1 and free ports. */
const BASE: Tree = {
  server: { host: '127.0.0.1', port: 0 },
  metrics: { enabled: false, host: '127.0.0.1', port: 0 },
  log: { level: 'info', access: { enabled: false, sampleRate: 1 } },
};

/** `over` laid onto `base`, objects key by key. */
function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = out[key];
    const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isTree(under) && isTree(value) ? merge(under, value) : value;
  }
  return out;
}

/**
 * A Switchboard server as `startServer` builds it (no bench interceptors), its
 * config {@link BASE} with `config` laid over it: `{ metrics: { enabled: true } }`
 * turns on the go-grpc-prometheus metrics, `{ log: { access: { enabled: true } } }`
 * the access log (every call, sampleRate 1). The logger writes each line
 * with a synchronous write to /dev/null, as pino writes to stdout by default:
 * formatting and the system call count, a terminal does not.
 */
export async function startObservedServer(config: Tree): Promise<BenchServer> {
  const fd = fs.openSync('/dev/null', 'w');
  let lines = 0;
  const logger = createLogger(
    { log: { level: 'info' } },
    {
      write: (line: string) => {
        lines++;
        fs.writeSync(fd, line);
      },
    },
  );
  const running = await startServer({
    modules: [defineModule({ name: 'bench', services: [BenchService] })],
    logger,
    config: { argv: [], env: {}, configDir: null, values: { tree: merge(BASE, config), origin: 'bench variant' } },
  });
  return {
    port: running.port,
    stats: () => ({ logLines: lines }),
    close: async () => {
      await running.shutdown(0);
      fs.closeSync(fd);
    },
  };
}
