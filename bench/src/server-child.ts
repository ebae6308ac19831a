import type { BenchServer, ServerKind } from './bench-definition';
import type { ChildMessage, ParentMessage } from './server-process';
import { startRawServer } from './start-raw-server';
import { startNiceGrpcServer } from './start-nice-grpc-server';
import { startSwitchboardServer } from './start-switchboard-server';

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function start(kind: ServerKind): Promise<BenchServer> {
  return kind === 'raw' ? startRawServer() : kind === 'switchboard' ? startSwitchboardServer() : startNiceGrpcServer();
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (kind !== 'raw' && kind !== 'switchboard' && kind !== 'nice-grpc') throw new Error(`usage: server-child.js raw|switchboard|nice-grpc (got ${kind})`);
  if (process.send === undefined) throw new Error('server-child.js runs only as a child of run.js (it needs an IPC channel)');
  const server = await start(kind);
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
