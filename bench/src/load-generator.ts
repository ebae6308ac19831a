import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { BENCH_TOKEN, benchProto, type BenchReply, type BenchRequest } from './bench-definition';

const CALL_DEADLINE_MS = 30_000;

interface BenchClient extends grpc.Client {
  Unary(
    request: BenchRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: BenchReply) => void,
  ): grpc.ClientUnaryCall;
  ServerStream(request: BenchRequest, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientReadableStream<BenchReply>;
}

/** What one timed round produced. */
export interface RoundResult {
  /** Calls completed. */
  readonly calls: number;
  /** Response messages received. */
  readonly messages: number;
  /** From the first call sent to the last one completed. */
  readonly seconds: number;
  /** Per-call latency in milliseconds, in completion order. */
  readonly latenciesMs: readonly number[];
}

/** The shape of a server-streaming round. */
export interface StreamShape {
  readonly messages: number;
  readonly bytes: number;
}

const Client = (
  grpc.loadPackageDefinition(benchProto.definition) as unknown as {
    switchboard: { bench: { Bench: new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => BenchClient } };
  }
).switchboard.bench.Bench;

function metadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', BENCH_TOKEN);
  return md;
}

function callOptions(): grpc.CallOptions {
  return { deadline: Date.now() + CALL_DEADLINE_MS };
}

/**
 * A closed-loop load generator: `concurrency` callers each issue a call as
 * soon as their previous one completes, spread over `channels` HTTP/2
 * connections, until the round's time is up.
 */
export class LoadGenerator {
  private readonly clients: BenchClient[];

  constructor(port: number, channels: number) {
    this.clients = Array.from(
      { length: channels },
      () => new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
    );
  }

  /** Unary calls with a small request and reply. */
  unary(concurrency: number, durationMs: number): Promise<RoundResult> {
    return this.round(concurrency, durationMs, async (client) => {
      await unaryCall(client);
      return 1;
    });
  }

  /** Server-streaming calls of `shape.messages` replies of `shape.bytes` payload each. */
  stream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    return this.round(concurrency, durationMs, (client) => streamCall(client, shape));
  }

  /** The same streams read with `for await` over grpc-js's stream (Node's Readable iterator), as async code reads them. */
  streamIterated(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    return this.round(concurrency, durationMs, async (client) => {
      let received = 0;
      for await (const _ of client.ServerStream({ message: 'stream', count: shape.messages, reply_bytes: shape.bytes }, metadata(), callOptions())) received++;
      if (received !== shape.messages) throw new Error(`expected ${shape.messages} replies, got ${received}`);
      return received;
    });
  }

  close(): void {
    for (const client of this.clients) client.close();
  }

  private async round(concurrency: number, durationMs: number, call: (client: BenchClient) => Promise<number>): Promise<RoundResult> {
    const latenciesMs: number[] = [];
    let messages = 0;
    let failure: unknown;
    const start = performance.now();
    const stopAt = start + durationMs;
    const caller = async (client: BenchClient): Promise<void> => {
      while (failure === undefined && performance.now() < stopAt) {
        const t0 = performance.now();
        let received: number;
        try {
          received = await call(client);
        } catch (error) {
          failure ??= error;
          return;
        }
        latenciesMs.push(performance.now() - t0);
        messages += received;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, i) => caller(this.clients[i % this.clients.length]!)));
    if (failure !== undefined) throw new Error(`a benchmark call failed: ${(failure as Error).message}`, { cause: failure });
    return { calls: latenciesMs.length, messages, seconds: (performance.now() - start) / 1000, latenciesMs };
  }
}

function unaryCall(client: BenchClient): Promise<BenchReply> {
  return new Promise((resolve, reject) => {
    client.Unary({ message: 'ping', count: 0, reply_bytes: 0 }, metadata(), callOptions(), (error, reply) =>
      error || reply === undefined ? reject(error ?? new Error('no reply')) : resolve(reply),
    );
  });
}

function streamCall(client: BenchClient, shape: StreamShape): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let ended = false;
    let ok = false;
    const settle = (): void => {
      if (!ended || !ok) return;
      if (received === shape.messages) resolve(received);
      else reject(new Error(`expected ${shape.messages} replies, got ${received}`));
    };
    const call = client.ServerStream({ message: 'stream', count: shape.messages, reply_bytes: shape.bytes }, metadata(), callOptions());
    call.on('data', () => {
      received++;
    });
    call.on('error', reject);
    call.on('status', (status: grpc.StatusObject) => {
      ok = status.code === grpc.status.OK;
      settle();
    });
    call.on('end', () => {
      ended = true;
      settle();
    });
  });
}
