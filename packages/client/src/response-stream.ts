import type * as grpc from '@grpc/grpc-js';
import { RpcError } from '@switchboard/core';

type StreamingCall = grpc.ClientReadableStream<object> | grpc.ClientDuplexStream<object, object>;

/** Responses held before the call is paused (HTTP/2 flow control then pushes back on the server). */
const HIGH_WATER_MARK = 32;

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });

/**
 * The responses of a server-streaming or bidi call as an async iterator, the
 * innermost step of a client chain. grpc-js's stream runs in flowing mode into
 * a buffer of at most {@link HIGH_WATER_MARK} responses and is paused beyond
 * that, so a slow consumer holds the server back; `next()` takes from the
 * buffer without a generator or a `read()` per message.
 *
 * Responses received before the status come first, then the end or the
 * call's `RpcError`. Once `signal` aborts (the caller's or the parent call's
 * cancellation), nothing buffered is delivered: `next()` rejects with the
 * abort reason as an `RpcError`. A consumer that stops early (`return()`)
 * cancels the call. `start` runs at the first `next()`.
 * @internal
 */
export class ResponseStream implements AsyncIterableIterator<unknown> {
  /** Undefined until started; null when starting failed. */
  private call: StreamingCall | null | undefined;
  private starting: Promise<void> | undefined;
  private buffer: unknown[] = [];
  private head = 0;
  private paused = false;
  private ended = false;
  private finished = false;
  private failure: RpcError | undefined;
  /** Pending `next()` calls, oldest first. */
  private waiters: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly start: () => Promise<StreamingCall>,
    /** The call's cancellation, if anything can cancel it. */
    private readonly signal: AbortSignal | undefined,
    /** Runs when the stream is finished, however it finishes (again if the call started after that). */
    private readonly cleanup: () => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.finished) return Promise.resolve(DONE);
    if (this.call === undefined) {
      this.starting ??= this.attach();
      return this.starting.then(() => this.next());
    }
    if (this.signal?.aborted) return this.fail(RpcError.from(this.signal.reason));
    if (this.head < this.buffer.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.failure !== undefined) return this.fail(this.failure);
    if (this.ended) return this.finish(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.finished) {
      const ongoing = !this.ended && this.failure === undefined;
      void this.finish(DONE);
      // The consumer stopped early: nobody will read the rest.
      if (ongoing) this.call?.cancel();
    }
    return Promise.resolve(DONE);
  }

  private async attach(): Promise<void> {
    let call: StreamingCall;
    try {
      call = await this.start();
    } catch (error) {
      this.failure = RpcError.from(error);
      this.call = null;
      return;
    }
    this.call = call;
    if (this.finished) {
      // The consumer left (return()) while the call was starting.
      call.on('error', () => undefined);
      call.cancel();
      this.cleanup();
      return;
    }
    // A late error (after a cancel, once nobody listens) must not go unhandled.
    call.on('error', () => undefined);
    call.on('data', this.onData);
    call.on('end', this.onEnd);
    call.on('error', this.onError);
    this.signal?.addEventListener('abort', this.onAbort);
  }

  private take(): unknown {
    const value = this.buffer[this.head++];
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
      if (this.paused) {
        this.paused = false;
        this.call?.resume();
      }
    }
    return value;
  }

  private readonly onData = (message: unknown): void => {
    if (this.waiters.length > 0 && !this.signal?.aborted) {
      this.waiters.shift()!.resolve({ done: false, value: message });
      return;
    }
    this.buffer.push(message);
    if (!this.paused && this.buffer.length - this.head >= HIGH_WATER_MARK) {
      this.paused = true;
      this.call?.pause();
    }
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };

  private readonly onError = (error: unknown): void => {
    this.failure ??= RpcError.from(error);
    this.wake();
  };

  private readonly onAbort = (): void => this.wake();

  /** Answers the waiting `next()` calls from the current state. */
  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) this.next().then(waiter.resolve, waiter.reject);
  }

  private fail(error: RpcError): Promise<IteratorResult<unknown>> {
    void this.finish(DONE);
    return Promise.reject(error);
  }

  private finish(result: IteratorResult<unknown>): Promise<IteratorResult<unknown>> {
    if (!this.finished) {
      this.finished = true;
      this.buffer = [];
      this.head = 0;
      const call = this.call;
      if (call) {
        call.off('data', this.onData);
        call.off('end', this.onEnd);
        call.off('error', this.onError);
      }
      this.signal?.removeEventListener('abort', this.onAbort);
      this.cleanup();
    }
    return Promise.resolve(result);
  }
}
