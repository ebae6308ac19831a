import { performance } from 'node:perf_hooks';
import type { BenchOptions, ScenarioName } from './bench-options';

/** What one timed round produced. */
export interface RoundResult {
  /** Calls completed. */
  readonly calls: number;
  /**
   * Messages on the streamed side(s) of the completed calls: 1 per unary
   * call, a server stream's replies, a client stream's requests, a bidi
   * call's requests and replies.
   */
  readonly messages: number;
  /** From the first call sent to the last one completed. */
  readonly seconds: number;
  /** Per-call latency in milliseconds, in completion order. */
  readonly latenciesMs: readonly number[];
}

/** How many messages a streaming call carries, and their payload bytes. */
export interface StreamShape {
  readonly messages: number;
  readonly bytes: number;
}

/**
 * A closed-loop load of each call kind, `concurrency` callers each issuing
 * its next call as soon as the previous one completes, for `durationMs`:
 * made with the raw grpc-js client (`LoadGenerator`) or with a Switchboard
 * client (`SwitchboardClientLoad`).
 */
export interface ScenarioLoad {
  /** Unary calls with a small request and reply. */
  unary(concurrency: number, durationMs: number): Promise<RoundResult>;
  /** Server streams of `shape.messages` replies. */
  stream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult>;
  /** Client streams of `shape.messages` requests, written at once, then a half-close and the one reply. */
  clientStream(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult>;
  /** Bidi calls of `shape.messages` requests, each written once the previous one's reply came; then a half-close and the status. */
  bidi(concurrency: number, durationMs: number, shape: StreamShape): Promise<RoundResult>;
}

/** Runs scenario `name` on `load` for `ms`, shaped by `options`. */
export function driveScenario(name: ScenarioName, load: ScenarioLoad, options: BenchOptions, ms: number): Promise<RoundResult> {
  switch (name) {
    case 'unary':
      return load.unary(options.unaryConcurrency, ms);
    case 'stream':
      return load.stream(options.streamConcurrency, ms, { messages: options.streamMessages, bytes: options.messageBytes });
    case 'client-stream':
      return load.clientStream(options.streamConcurrency, ms, { messages: options.uploadMessages, bytes: options.messageBytes });
    case 'bidi':
      return load.bidi(options.streamConcurrency, ms, { messages: options.uploadMessages, bytes: options.messageBytes });
  }
}

/** The scenario with its load, as table rows name it: `bidi (8 in flight, 4 × 100 B each way)`. */
export function scenarioLabel(name: ScenarioName, options: BenchOptions): string {
  const bytes = `${options.messageBytes} B`;
  switch (name) {
    case 'unary':
      return `unary (${options.unaryConcurrency} in flight)`;
    case 'stream':
      return `stream (${options.streamConcurrency} in flight, ${options.streamMessages} × ${bytes})`;
    case 'client-stream':
      return `client-stream (${options.streamConcurrency} in flight, ${options.uploadMessages} × ${bytes} up)`;
    case 'bidi':
      return `bidi (${options.streamConcurrency} in flight, ${options.uploadMessages} × ${bytes} each way)`;
  }
}

/**
 * The closed loop every load runs: `concurrency` callers, each calling
 * `call(caller)` again as soon as its previous call completes, until
 * `durationMs` is up. `call` resolves to the messages the call carried; the
 * first failure stops every caller and fails the round.
 */
export async function closedLoop(concurrency: number, durationMs: number, call: (caller: number) => Promise<number>): Promise<RoundResult> {
  const latenciesMs: number[] = [];
  let messages = 0;
  let failure: unknown;
  const start = performance.now();
  const stopAt = start + durationMs;
  const caller = async (index: number): Promise<void> => {
    while (failure === undefined && performance.now() < stopAt) {
      const t0 = performance.now();
      let received: number;
      try {
        received = await call(index);
      } catch (error) {
        failure ??= error;
        return;
      }
      latenciesMs.push(performance.now() - t0);
      messages += received;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => caller(i)));
  if (failure !== undefined) throw new Error(`a benchmark call failed: ${(failure as Error).message}`, { cause: failure });
  return { calls: latenciesMs.length, messages, seconds: (performance.now() - start) / 1000, latenciesMs };
}
