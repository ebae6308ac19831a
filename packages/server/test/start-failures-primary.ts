import cluster from 'node:cluster';
import { defineModule, resolve } from '@switchboard/core';
import { runMain } from '../src/start-server';
import { BackendToken, backendClient, channelsTo } from './start-failures-clients';

/** One line on stdout at once (pino logs asynchronously, and this runs in 'exit' too). */
const say = (line: object): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, primary: cluster.isPrimary, ...line })}\n`);

/**
 * The child's side of the per-deployment clients test (run with
 * `spawnTsChild`): `runMain` with `server.workers: 2` and a per-deployment
 * module that declares the backend client and calls it from `started`; each
 * process prints the channels to the backend it still has open as it exits.
 * With `failRegister`, a second per-deployment module's `register` throws.
 */
export function childMain({ backendPort, failRegister = false }: { backendPort: number; failRegister?: boolean }): void {
  const announcer = defineModule({
    name: 'announcer',
    perDeployment: true,
    services: [],
    clients: [backendClient],
    started: async (container) => {
      const reply = await resolve(container, BackendToken).unary('from the primary');
      say({ msg: 'backend answered', reply, open: channelsTo(backendPort) });
    },
    dispose: () => {
      say({ msg: 'announcer disposed', open: channelsTo(backendPort) });
    },
  });
  const fails = defineModule({
    name: 'fails',
    perDeployment: true,
    services: [],
    register: () => {
      throw new Error('boom: the per-deployment register under test');
    },
  });
  process.on('exit', () => say({ msg: 'exiting', open: channelsTo(backendPort) }));
  void runMain({
    modules: failRegister ? [announcer, fails] : [announcer],
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: { tree: { server: { port: 0, workers: 2 }, backend: { target: `127.0.0.1:${backendPort}` } }, origin: 'test' },
    },
  });
}
