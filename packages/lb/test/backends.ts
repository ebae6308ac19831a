import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { schemaDefaults, serverConfigSchema, type ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import pino from 'pino';
import { createLabService, type ForwardReply, type ForwardRequest, Lab, type LastHop } from '@switchboard/test-support';

function defaults(): ServerConfig['server'] {
  return { ...schemaDefaults(serverConfigSchema).server, port: 0 };
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}

export interface BackendOptions {
  /** Milliseconds backend i adds to every Forward (e.g. `[20, 2]`); none when absent. */
  readonly delaysMs?: readonly number[];
}

/** `count` Lab servers on 127.0.0.1:0, named b0, b1, …; Forward with hops 0 answers with the name. */
export async function backends(count: number, options: BackendOptions = {}): Promise<Backend[]> {
  const seen = new Map<string, LastHop>();
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `b${i}`;
      const server = new SwitchboardServer({ config: defaults(), logger: pino({ level: 'silent' }) });
      const Service = createLabService(name, seen);
      const service = new Service();
      const delayMs = options.delaysMs?.[i] ?? 0;
      if (delayMs > 0) {
        // The server reads handlers off the instance: an own property wins over the class method.
        const forward = service.Forward.bind(service);
        Object.assign(service, {
          Forward: async (...args: Parameters<typeof forward>) => {
            await sleep(delayMs);
            return forward(...args);
          },
        });
      }
      server.addService(service);
      const port = await server.listen();
      return { name, port, address: `127.0.0.1:${port}`, stop: () => server.shutdown(0) };
    }),
  );
}

/** A Lab server on a plain grpc-js Server with grpc-health-check's service, whose health a test sets. */
export interface HealthBackend extends Backend {
  /** Sets the status of the whole server (service `''`). */
  setServing(serving: boolean): void;
  /** Health/Watch streams open on this server now. */
  readonly watchers: number;
}

/**
 * `count` plain grpc-js servers on 127.0.0.1:0 named h0, h1, …, serving Lab
 * (Forward answers with the name) and, unless `health` is false, grpc.health.v1.
 */
export async function healthBackends(
  count: number,
  { health = true, credentials = grpc.ServerCredentials.createInsecure() }: { health?: boolean; credentials?: grpc.ServerCredentials } = {},
): Promise<HealthBackend[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `h${i}`;
      const server = new grpc.Server();
      server.addService(Lab.definition, {
        Forward: (_call: unknown, callback: grpc.sendUnaryData<ForwardReply>) => callback(null, { remaining_ms: -1, path: [name] }),
        Flaky: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, { attempts: 1 }),
      });
      const implementation = new HealthImplementation({ '': 'SERVING' });
      let watchers = 0;
      if (health) {
        // Count the Watch streams on the way in, to see clients close them.
        implementation.addToServer({
          addService: (definition: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation) =>
            server.addService(definition, {
              ...handlers,
              // grpc-health-check names its handlers after the proto's originalName: `watch`.
              watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
                watchers += 1;
                call.once('cancelled', () => (watchers -= 1));
                (handlers['watch'] as grpc.handleServerStreamingCall<unknown, unknown>)(call);
              },
            }),
        });
      }
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', credentials, (error, p) => (error ? reject(error) : resolve(p))),
      );
      return {
        name,
        port,
        address: `127.0.0.1:${port}`,
        setServing: (serving: boolean) => implementation.setStatus('', serving ? 'SERVING' : 'NOT_SERVING'),
        get watchers() {
          return watchers;
        },
        stop: async () => {
          server.forceShutdown();
        },
      };
    }),
  );
}

const LabClient = grpc.makeClientConstructor(Lab.definition, 'Lab');

/** What a channel of {@link labClient} is configured with beyond its policy. */
export interface LabClientOptions {
  /** The policy's entry in `loadBalancingConfig`, e.g. `{ healthCheck: { serviceName: '' } }`. */
  readonly lbConfig?: object;
  /** `methodConfig` of the service config (retry policies, waitForReady). */
  readonly methodConfig?: readonly object[];
  /** The channel's credentials; plaintext by default. */
  readonly credentials?: grpc.ChannelCredentials;
}

/** A raw grpc-js client of Lab for `target`, with a balancing policy. */
export function labClient(target: string, policy = 'round_robin', options: LabClientOptions = {}) {
  const client = new LabClient(target, options.credentials ?? grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify({
      loadBalancingConfig: [{ [policy]: options.lbConfig ?? {} }],
      ...(options.methodConfig ? { methodConfig: options.methodConfig } : {}),
    }),
  }) as unknown as grpc.Client & {
    Forward: (req: object, metadata: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<ForwardReply>) => void;
  };
  /**
   * Calls Forward with hops 0 (plus `request`, e.g. `{ sleep_ms: 5 }`) and
   * resolves to the name of the backend that answered.
   */
  const whoAnswers = (deadlineMs = 3000, request: Partial<ForwardRequest> = {}, { waitForReady = false } = {}): Promise<string> =>
    new Promise((resolve, reject) =>
      client.Forward(
        { hops: 0, ...request },
        new grpc.Metadata({ waitForReady }), // grpc-js reads waitForReady from the metadata's options
        { deadline: Date.now() + deadlineMs },
        (error, reply) => (error ? reject(error) : resolve(reply!.path[0]!)),
      ),
    );
  return { client, whoAnswers, close: () => client.close() };
}

/** Counts who answered `n` calls. */
export async function spread(whoAnswers: () => Promise<string>, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = await whoAnswers();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Calls until every one of `names` has answered once: all subchannels are then READY. */
export async function warm(whoAnswers: () => Promise<string>, names: readonly string[], limit = 200): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < limit && seen.size < names.length; i++) seen.add(await whoAnswers());
  if (seen.size < names.length) throw new Error(`only ${[...seen].join(', ')} of ${names.join(', ')} answered in ${limit} calls`);
}
