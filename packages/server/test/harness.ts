import * as grpc from '@grpc/grpc-js';
import { schemaDefaults, serverConfigSchema, type Logger, type ServerConfig, type ServerInterceptor } from '@switchboard/core';
import pino from 'pino';
import { SwitchboardServer } from '../src/switchboard-server';
import { createEchoService, echoProto, type Observed } from '@switchboard/test-support';

/** The server defaults from the schema, on 127.0.0.1:0. */
export function testServerConfig(overrides: Partial<ServerConfig['server']> = {}): ServerConfig['server'] {
  return { ...schemaDefaults(serverConfigSchema).server, port: 0, ...overrides };
}

/** A logger that keeps its lines in memory. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export interface EchoHarness {
  server: SwitchboardServer;
  port: number;
  observed: Required<Observed>;
  lines: Record<string, unknown>[];
  /** A raw grpc-js client of `switchboard.test.Echo`. */
  client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  close(): Promise<void>;
}

/** Starts the Echo service on 127.0.0.1:0 with a raw grpc-js client. */
export async function startEcho(
  options: {
    interceptors?: ServerInterceptor[];
    config?: Partial<ServerConfig['server']>;
    service?: new () => object;
    clientOptions?: grpc.ChannelOptions;
  } = {},
): Promise<EchoHarness> {
  const observed: Required<Observed> = { aborts: [], produced: 0, started: [], completed: [] };
  const { logger, lines } = memoryLogger();
  const server = new SwitchboardServer({ config: testServerConfig(options.config), logger, interceptors: options.interceptors ?? [] });
  const Service = options.service ?? createEchoService(observed);
  server.addService(new Service());
  const port = await server.listen();
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as {
    switchboard: { test: { Echo: grpc.ServiceClientConstructor } };
  };
  const client = new pkg.switchboard.test.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options.clientOptions ?? {});
  return {
    server,
    port,
    observed,
    lines,
    client: client as EchoHarness['client'],
    async close() {
      client.close();
      await server.shutdown(0);
    },
  };
}

/** Promisified unary call on a raw client. */
export function unary<T = Record<string, unknown>>(
  client: EchoHarness['client'],
  method: string,
  request: object,
  options: { metadata?: grpc.Metadata; deadlineMs?: number; onHeaders?: (md: grpc.Metadata) => void; onStatus?: (s: grpc.StatusObject) => void } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const callOptions: grpc.CallOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
    const call = (client[method] as (...a: unknown[]) => grpc.ClientUnaryCall)(
      request,
      options.metadata ?? new grpc.Metadata(),
      callOptions,
      (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response)),
    );
    if (options.onHeaders) call.on('metadata', options.onHeaders);
    if (options.onStatus) call.on('status', options.onStatus);
  });
}

/** Collects a client stream's messages, rejecting with its error. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const m of stream) out.push(m);
  return out;
}
