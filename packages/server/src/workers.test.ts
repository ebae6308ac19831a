import * as os from 'node:os';
import { defineModule, type AnyAppModule } from '@switchboard/core';
import { loadServerConfig } from './start-server';
import { primaryModules, workerCount, workerModules } from './workers';

const load = (workers: unknown, env: Record<string, string> = {}) =>
  loadServerConfig([], { argv: [], env, configDir: null, values: { tree: { server: { workers } }, origin: 'the test' } }).server.workers;

describe('server.workers', () => {
  it('is 1 by default', () => {
    expect(loadServerConfig([], { argv: [], env: {}, configDir: null }).server.workers).toBe(1);
  });

  it('takes a whole number of 1 or more, or "auto" (also from WORKERS)', () => {
    expect(load(4)).toBe(4);
    expect(load('auto')).toBe('auto');
    expect(loadServerConfig([], { argv: [], env: { WORKERS: 'auto' }, configDir: null }).server.workers).toBe('auto');
    expect(loadServerConfig([], { argv: [], env: { WORKERS: '3' }, configDir: null }).server.workers).toBe(3);
  });

  it.each([0, -2, 1.5, 'lots', '2', null])('refuses %p, naming the key, the value and what is allowed', (value) => {
    expect(() => load(value)).toThrow(
      `server.workers: must be a whole number of 1 or more, or "auto" (one worker per available core): value was ${JSON.stringify(value)}`,
    );
  });

  it('refuses a WORKERS that is not a whole number or "auto", naming the variable', () => {
    expect(() => loadServerConfig([], { argv: [], env: { WORKERS: 'many' }, configDir: null })).toThrow(/server\.workers: .*value was "many" \(from .*WORKERS/);
  });
});

describe('workerCount', () => {
  it('is the number given, or the available cores for "auto"', () => {
    expect(workerCount(3)).toBe(3);
    expect(workerCount('auto')).toBe(os.availableParallelism());
  });
});

describe('workerModules outside a worker', () => {
  it('leaves every module as it is, per-deployment ones included', () => {
    const modules = [defineModule({ name: 'a', services: [] }), defineModule({ name: 'b', services: [], perDeployment: true, started: () => undefined })];
    expect(workerModules(modules)).toBe(modules);
  });
});

describe('primaryModules', () => {
  it('keeps the per-deployment modules whole and of the others only their names and the client interceptors they name', () => {
    const named = { audit: () => undefined } as unknown as NonNullable<AnyAppModule['clientInterceptors']>;
    const registration = defineModule({ name: 'registration', services: [], perDeployment: true, started: () => undefined });
    const app = defineModule({ name: 'app', services: [class {}], clientInterceptors: named, register: () => undefined });
    expect(primaryModules([app, registration])).toEqual([{ name: 'app', services: [], clientInterceptors: named }, registration]);
  });
});
