import * as grpc from '@grpc/grpc-js';
import { serverConfigSchema, type ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import pino from 'pino';
import { Lab, createLabService, type ForwardReply, type LastHop } from '../../../testing/lab/lab-service';

function defaults(): ServerConfig['server'] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(serverConfigSchema.server as Record<string, Record<string, unknown>>)) {
    out[k] = 'default' in v ? v['default'] : Object.fromEntries(Object.entries(v).map(([kk, vv]) => [kk, (vv as { default: unknown }).default]));
  }
  return { ...(out as unknown as ServerConfig['server']), port: 0 };
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  stop(): Promise<void>;
}

/** `count` Lab servers on 127.0.0.1:0, named b0, b1, …; Forward with hops 0 answers with the name. */
export async function backends(count: number): Promise<Backend[]> {
  const seen = new Map<string, LastHop>();
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `b${i}`;
      const server = new SwitchboardServer({ config: defaults(), logger: pino({ level: 'silent' }) });
      const Service = createLabService(name, seen);
      server.addService(new Service());
      const port = await server.listen();
      return { name, port, address: `127.0.0.1:${port}`, stop: () => server.shutdown(0) };
    }),
  );
}

const LabClient = grpc.makeClientConstructor(Lab.definition, 'Lab');

/** A raw grpc-js client of Lab for `target`, with a balancing policy. */
export function labClient(target: string, policy = 'round_robin') {
  const client = new LabClient(target, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [policy]: {} }] }),
  }) as unknown as grpc.Client & { Forward: (req: object, opts: grpc.CallOptions, cb: grpc.requestCallback<ForwardReply>) => void };
  const whoAnswers = (deadlineMs = 3000): Promise<string> =>
    new Promise((resolve, reject) =>
      client.Forward({ hops: 0 }, { deadline: Date.now() + deadlineMs }, (error, reply) => (error ? reject(error) : resolve(reply!.path[0]!))),
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
