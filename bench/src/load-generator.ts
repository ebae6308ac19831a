import * as grpc from '@grpc/grpc-js';
import { BENCH_TOKEN, benchProto, type BenchReply, type BenchRequest } from './bench-definition';
import { payloadOf } from './bench-handlers';
import { closedLoop, type RoundResult, type ScenarioLoad, type StreamShape } from './scenario-load';

const CALL_DEADLINE_MS = 30_000;

interface BenchClient extends grpc.Client {
  Unary(
    request: BenchRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: BenchReply) => void,
  ): grpc.ClientUnaryCall;
  ServerStream(request: Partial<BenchRequest>, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientReadableStream<BenchReply>;
  ClientStream(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: BenchReply) => void,
  ): grpc.ClientWritableStream<BenchRequest>;
  Bidi(metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientDuplexStream<BenchRequest, BenchReply>;
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

/** The request each message of a client-stream or bidi call sends: `shape.bytes` up, and as many asked back. */
export function uploadRequest(shape: StreamShape): BenchRequest {
  return { message: 'upload', count: 0, reply_bytes: shape.bytes, payload: payloadOf(shape.bytes) };
}

/**
 * The closed-loop load made with the raw grpc-js client, spread over
 * `channels` HTTP/2 connections.
 */
export class LoadGenerator implements ScenarioLoad {
  private readonly clients: BenchClient[];

  constructor(port: number, channels: number) {
    this.clients = Array.from(
      { length: channels },
      () => new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
    );
  }

  unary(concurrency: number, durationMs: number): Promise<RoundResult> {
    return this.round(concurrency, durationMs, async (client) => {
      await unaryCall(client);
      return 1;
    });
  }

  /** Counts the replies on `'data'` events: no promise per message, the fastest raw reader. */
  stream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    const request = { message: 'stream', count: shape.messages, reply_bytes: shape.bytes };
    return this.round(concurrency, durationMs, (client) => {
      const call = client.ServerStream(request, metadata(), callOptions());
      let received = 0;
      call.on('data', () => received++);
      return statusOf(call, () => received, shape.messages);
    });
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

  /** Writes the requests at once (ignoring `write()`'s return, as plain grpc-js code does), then half-closes. */
  clientStream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    const request = uploadRequest(shape);
    return this.round(concurrency, durationMs, (client) => {
      return new Promise((resolve, reject) => {
        const call = client.ClientStream(metadata(), callOptions(), (error, reply) => {
          if (error || reply === undefined) reject(error ?? new Error('no reply'));
          else if (reply.index !== shape.messages) reject(new Error(`the server counted ${reply.index} of ${shape.messages} requests`));
          else resolve(shape.messages);
        });
        for (let i = 0; i < shape.messages; i++) call.write(request);
        call.end();
      });
    });
  }

  /** Writes each request once the previous one's reply came, half-closes after the last reply, and waits for the status. */
  bidi(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    const request = uploadRequest(shape);
    return this.round(concurrency, durationMs, async (client) => {
      const call = client.Bidi(metadata(), callOptions());
      let received = 0;
      call.on('data', () => {
        if (++received < shape.messages) call.write(request);
        else call.end();
      });
      call.write(request);
      return shape.messages + (await statusOf(call, () => received, shape.messages));
    });
  }

  close(): void {
    for (const client of this.clients) client.close();
  }

  private round(concurrency: number, durationMs: number, call: (client: BenchClient) => Promise<number>): Promise<RoundResult> {
    return closedLoop(concurrency, durationMs, (caller) => call(this.clients[caller % this.clients.length]!));
  }
}

const PING: BenchRequest = { message: 'ping', count: 0, reply_bytes: 0, payload: payloadOf(0) };

function unaryCall(client: BenchClient): Promise<BenchReply> {
  return new Promise((resolve, reject) => {
    client.Unary(PING, metadata(), callOptions(), (error, reply) => (error || reply === undefined ? reject(error ?? new Error('no reply')) : resolve(reply)));
  });
}

/**
 * Resolves to the replies received once a streaming call has ended with OK
 * and every reply was read; rejects on an error status or a wrong count.
 */
function statusOf(
  call: grpc.ClientReadableStream<BenchReply> | grpc.ClientDuplexStream<BenchRequest, BenchReply>,
  received: () => number,
  expected: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let ended = false;
    let ok = false;
    const settle = (): void => {
      if (!ended || !ok) return;
      if (received() === expected) resolve(expected);
      else reject(new Error(`expected ${expected} replies, got ${received()}`));
    };
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
