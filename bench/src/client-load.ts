import { Container } from 'inversify';
import { loadConfig, resolve, type ClientInterceptor } from '@switchboard/core';
import { clientsSchema, closeClients, defineClient, registerClients, type BidiCall, type ClientStreamCall } from '@switchboard/client';
import { Bench, BENCH_TOKEN, type BenchReply, type BenchRequest } from './bench-definition';
import { withConfigFiles } from './config-files';
import { uploadRequest } from './load-generator';
import { closedLoop, type RoundResult, type ScenarioLoad, type StreamShape } from './scenario-load';

/** The stub shape of `switchboard.bench.Bench` (the bench descriptor carries handler types only). */
interface BenchStub {
  Unary(request: Partial<BenchRequest>, options?: { deadlineMs?: number }): Promise<BenchReply>;
  ServerStream(request: Partial<BenchRequest>, options?: { deadlineMs?: number }): AsyncIterable<BenchReply>;
  ClientStream(options?: { deadlineMs?: number }): ClientStreamCall<BenchRequest, BenchReply>;
  Bidi(options?: { deadlineMs?: number }): BidiCall<BenchRequest, BenchReply>;
}

const benchClient = defineClient('bench', Bench);

/** Adds the token every call needs, as an auth interceptor of a real client would. */
const bearer: ClientInterceptor = (call, next) => {
  call.metadata.set('authorization', BENCH_TOKEN);
  return next(call);
};

/** Counts the messages and statuses that come back: a metrics interceptor's work. */
export const clientCounts = { messages: 0, ok: 0, failed: 0 };
const counter: ClientInterceptor = async function* (call, next) {
  try {
    for await (const message of next(call)) {
      clientCounts.messages++;
      yield message;
    }
    clientCounts.ok++;
  } catch (error) {
    clientCounts.failed++;
    throw error;
  }
};

/**
 * The same closed-loop load as `LoadGenerator`, made with a Switchboard
 * client (config-declared, injected stub) with two interceptors.
 */
export class SwitchboardClientLoad implements ScenarioLoad {
  private readonly container = new Container();
  private readonly stub: BenchStub;

  constructor(port: number) {
    const files = { 'default.json': { clients: { bench: { target: `127.0.0.1:${port}`, deadlineMs: 30000 } } } };
    const config = withConfigFiles(files, (dir) => loadConfig(clientsSchema([benchClient]), { argv: [], env: {}, configDir: dir }));
    registerClients(this.container, config, [benchClient], { interceptors: [bearer, counter] });
    this.stub = resolve(this.container, benchClient.token);
  }

  unary(concurrency: number, durationMs: number): Promise<RoundResult> {
    return closedLoop(concurrency, durationMs, async () => {
      await this.stub.Unary({ message: 'ping', count: 0, reply_bytes: 0 });
      return 1;
    });
  }

  stream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    return closedLoop(concurrency, durationMs, async () => {
      let received = 0;
      for await (const _ of this.stub.ServerStream({ message: 'stream', count: shape.messages, reply_bytes: shape.bytes })) received++;
      if (received !== shape.messages) throw new Error(`expected ${shape.messages} replies, got ${received}`);
      return received;
    });
  }

  /** Writes the requests, awaiting each `write()` as the API asks, then half-closes and awaits the reply. */
  clientStream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    const request = uploadRequest(shape);
    return closedLoop(concurrency, durationMs, async () => {
      const call = this.stub.ClientStream();
      for (let i = 0; i < shape.messages; i++) await call.write(request);
      call.end();
      const reply = await call.response;
      if (reply.index !== shape.messages) throw new Error(`the server counted ${reply.index} of ${shape.messages} requests`);
      return shape.messages;
    });
  }

  /** Writes each request once the previous one's reply came, half-closes after the last reply, and reads to the end. */
  bidi(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    const request = uploadRequest(shape);
    return closedLoop(concurrency, durationMs, async () => {
      const call = this.stub.Bidi();
      const replies = call[Symbol.asyncIterator]();
      for (let i = 0; i < shape.messages; i++) {
        await call.write(request);
        if ((await replies.next()).done === true) throw new Error(`the bidi stream ended after ${i} of ${shape.messages} replies`);
      }
      call.end();
      if ((await replies.next()).done !== true) throw new Error(`more than ${shape.messages} replies`);
      return 2 * shape.messages;
    });
  }

  close(): void {
    closeClients(this.container);
  }
}
