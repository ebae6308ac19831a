import { schemaDefaults, serverConfigSchema, type ServerConfig } from '@switchboard/core';
import { NEVER_MS, grpcServerOptions } from './connection-options';

const config = (overrides: Partial<ServerConfig['server']> = {}): ServerConfig['server'] => ({
  ...schemaDefaults(serverConfigSchema).server,
  ...overrides,
});

describe('grpcServerOptions', () => {
  it('passes idle, age and grace limits on as grpc-js options', () => {
    const options = grpcServerOptions(config({ maxConnectionIdleMs: 1000, maxConnectionAgeMs: 2000, maxConnectionAgeGraceMs: 3000 }));
    expect(options).toMatchObject({
      'grpc.max_connection_idle_ms': 1000,
      'grpc.max_connection_age_ms': 2000,
      'grpc.max_connection_age_grace_ms': 3000,
    });
  });

  it('leaves out a limit of 0, which grpc-js would read as "at once" rather than "never"', () => {
    const options = grpcServerOptions(config({ maxConnectionIdleMs: 0, maxConnectionAgeMs: 0, maxConnectionAgeGraceMs: 0 }));
    expect(Object.keys(options).filter((k) => k.startsWith('grpc.max_connection'))).toEqual([]);
  });

  it('reads a limit no timer can wait for as never, and caps keepalive there', () => {
    const huge = NEVER_MS + 1;
    const options = grpcServerOptions(
      config({ maxConnectionIdleMs: huge, maxConnectionAgeMs: NEVER_MS, keepalive: { timeMs: huge, timeoutMs: huge, permitWithoutCalls: false } }),
    );
    expect(options['grpc.max_connection_idle_ms']).toBeUndefined();
    expect(options['grpc.max_connection_age_ms']).toBeUndefined();
    expect(options['grpc.keepalive_time_ms']).toBe(NEVER_MS);
    expect(options['grpc.keepalive_timeout_ms']).toBe(NEVER_MS);
  });

  it('keeps the schema defaults: idle 5 minutes, no age limit', () => {
    const options = grpcServerOptions(config());
    expect(options['grpc.max_connection_idle_ms']).toBe(300000);
    expect('grpc.max_connection_age_ms' in options).toBe(false);
    expect('grpc.max_connection_age_grace_ms' in options).toBe(false);
    expect(options['grpc.max_concurrent_streams']).toBe(100);
  });
});
