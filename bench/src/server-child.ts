import type { BenchServer, ServerKind } from './bench-definition';
import type { ChildMessage, ParentMessage } from './server-process';
import { startRawServer } from './start-raw-server';
import { startNiceGrpcServer } from './start-nice-grpc-server';
import { startObservedServer } from './start-observed-server';
import { startSoakServer } from './start-soak-server';
import { startSwitchboardServer } from './start-switchboard-server';

const KINDS: readonly ServerKind[] = ['raw', 'switchboard', 'nice-grpc', 'soak', 'observed'];

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function start(kind: ServerKind, config: Record<string, unknown>): Promise<BenchServer> {
  switch (kind) {
    case 'raw':
      return startRawServer();
    case 'switchboard':
      return startSwitchboardServer(config);
    case 'nice-grpc':
      return startNiceGrpcServer();
    case 'soak':
      return startSoakServer(config);
    case 'observed':
      return startObservedServer(config);
  }
}

function memoryUsage(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind;
  if (!KINDS.includes(kind)) throw new Error(`usage: server-child.js ${KINDS.join('|')} [config JSON] (got ${kind})`);
  if (process.send === undefined) throw new Error('server-child.js runs only as a child of run.js (it needs an IPC channel)');
  const server = await start(kind, JSON.parse(process.argv[3] ?? '{}') as Record<string, unknown>);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'cpu': {
        const usage = process.cpuUsage();
        send({ type: 'cpu', micros: usage.user + usage.system });
        break;
      }
      case 'stats':
        send({ type: 'stats', stats: server.stats() });
        break;
      case 'memory':
        send({ type: 'memory', usage: memoryUsage() });
        break;
      case 'stop':
        void stop();
        break;
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', port: server.port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
