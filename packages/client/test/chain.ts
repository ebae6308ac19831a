import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from 'inversify';
import { defineModule, loadConfig, resolve, serverConfigSchema, type ClientInterceptor, type Logger } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { createLabService, Lab, type LastHop } from '@switchboard/test-support';
import { clientsSchema, closeClients, defineClient, registerClients, type Client, type ClientDeclaration, type RegisterClientsOptions } from '../src/index';

/** The client every hop forwards with, and the one the test calls A with. */
export const nextClient = defineClient('next', Lab);
export const callerClient = defineClient('caller', Lab);

const silent = pino({ level: 'silent' });

function configDir(config: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chain-'));
  fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify(config));
  return dir;
}

/** A Lab server named `name` on 127.0.0.1:0 whose `next` client targets `nextPort` (none: a refusing port) with `overrides`. */
export async function hop(
  name: string,
  seen: Map<string, LastHop>,
  nextPort?: number,
  overrides: object = {},
  server: { logger?: Logger; config?: object } = {},
): Promise<RunningServer> {
  let forward: (() => Client<typeof Lab>['Forward']) | undefined;
  const service = createLabService(name, seen, nextPort === undefined ? undefined : () => forward!());
  const module = defineModule({
    name: `lab-${name}`,
    clients: [nextClient],
    services: [service],
    register(container) {
      forward = () => resolve(container, nextClient.token).Forward;
    },
  });
  const target = nextPort === undefined ? '127.0.0.1:1' : `127.0.0.1:${nextPort}`;
  return startServer({
    modules: [module],
    config: { argv: [], env: { PORT: '0' }, configDir: configDir({ clients: { next: { target, ...overrides } }, ...server.config }) },
    logger: server.logger ?? silent,
  });
}

/** Clients in a container outside any server, as a caller process has, from a `clients` config (the `registerClients` escape hatch). */
export function connect(declarations: ClientDeclaration[], clients: object, options: RegisterClientsOptions = {}, extra: object = {}) {
  const container = new Container();
  const config = loadConfig({ ...serverConfigSchema, ...clientsSchema(declarations) }, { argv: [], env: {}, configDir: configDir({ clients, ...extra }) });
  const runtime = registerClients(container, config, declarations, options);
  return { container, runtime, close: () => closeClients(container) };
}

/** The `caller` client, aimed at `port`. */
export function caller(port: number, overrides: object = {}, interceptors: ClientInterceptor[] = []) {
  const { container, runtime, close } = connect([callerClient], { caller: { target: `127.0.0.1:${port}`, ...overrides } }, { interceptors });
  return { stub: resolve(container, callerClient.token), runtime, close };
}
