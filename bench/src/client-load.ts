import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Container } from 'inversify';
import { loadConfig, resolve, type ClientInterceptor } from '@switchboard/core';
import { clientsSchema, closeClients, defineClient, registerClients } from '@switchboard/client';
import { Bench, BENCH_TOKEN, type BenchReply, type BenchRequest } from './bench-definition';
import type { RoundResult, StreamShape } from './load-generator';

/** The stub shape of `switchboard.bench.Bench` (the bench descriptor carries handler types only). */
interface BenchStub {
  Unary(request: Partial<BenchRequest>, options?: { deadlineMs?: number }): Promise<BenchReply>;
  ServerStream(request: Partial<BenchRequest>, options?: { deadlineMs?: number }): AsyncIterable<BenchReply>;
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
export class SwitchboardClientLoad {
  private readonly container = new Container();
  private readonly stub: BenchStub;

  constructor(port: number) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-client-'));
    fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify({ clients: { bench: { target: `127.0.0.1:${port}`, deadlineMs: 30000 } } }));
    const config = loadConfig(clientsSchema([benchClient]), { argv: [], env: {}, configDir: dir });
    registerClients(this.container, config, [benchClient], { interceptors: [bearer, counter] });
    this.stub = resolve(this.container, benchClient.token);
  }

  unary(concurrency: number, durationMs: number): Promise<RoundResult> {
    return this.round(concurrency, durationMs, async () => {
      await this.stub.Unary({ message: 'ping', count: 0, reply_bytes: 0 });
      return 1;
    });
  }

  stream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult> {
    return this.round(concurrency, durationMs, async () => {
      let received = 0;
      for await (const _ of this.stub.ServerStream({ message: 'stream', count: shape.messages, reply_bytes: shape.bytes })) received++;
      if (received !== shape.messages) throw new Error(`expected ${shape.messages} replies, got ${received}`);
      return received;
    });
  }

  close(): void {
    closeClients(this.container);
  }

  private async round(concurrency: number, durationMs: number, call: () => Promise<number>): Promise<RoundResult> {
    const latenciesMs: number[] = [];
    let messages = 0;
    const start = performance.now();
    const stopAt = start + durationMs;
    const caller = async (): Promise<void> => {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        const received = await call(); // not `messages += await call()`: that reads `messages` before the await
        messages += received;
        latenciesMs.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, caller));
    return { calls: latenciesMs.length, messages, seconds: (performance.now() - start) / 1000, latenciesMs };
  }
}
