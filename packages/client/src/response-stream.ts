import { Code, RpcError } from '@switchboard/core';
import { abortError } from './abort-error';
import type { CallSink } from './channel-call';

/** Responses held before the client stops asking for more (HTTP/2 flow control then pushes back on the server). */
const HIGH_WATER_MARK = 32;

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });

/** What the stream needs of its call. @internal */
export interface ReadableCall {
  /** Asks for one more response. */
  startRead(): void;
  /** The consumer left: ends the call, on the server too. */
  cancel(): void;
}

/**
 * The responses of a server-streaming or bidi call as an async iterator, the
 * innermost step of a client chain. It asks the call for one response at a
 * time while it holds fewer than {@link HIGH_WATER_MARK}, so a slow
 * consumer holds the server back; `next()` takes from the buffer without a
 * generator per message.
 *
 * `open` runs at the first `next()`: it makes the call, which then pushes
 * responses (`message`) and its end (`end`) here; `open` rejecting ends the
 * stream with its error. Responses received before the status come first,
 * then the end or the call's `RpcError`. Once `signal` aborts (the caller's
 * or the parent call's cancellation), nothing buffered is delivered: `next()`
 * rejects with the abort's error. A consumer that stops early (`return()`)
 * cancels the call.
 * @internal
 */
export class ResponseStream implements AsyncIterableIterator<unknown>, CallSink {
  /** Undefined until attached. */
  private call: ReadableCall | undefined;
  private starting: Promise<unknown> | undefined;
  private buffer: unknown[] = [];
  private head = 0;
  private reading = false;
  private ended = false;
  private finished = false;
  private failure: RpcError | undefined;
  /** Pending `next()` calls, oldest first. */
  private waiters: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly open: (stream: ResponseStream) => Promise<void>,
    /** The call's cancellation, if anything can cancel it. */
    private readonly signal: AbortSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.finished) return Promise.resolve(DONE);
    if (this.call === undefined && !this.ended) {
      this.starting ??= this.open(this).then(
        () => this.call ?? this.end(new RpcError(Code.INTERNAL, 'the call was not made')),
        (error: unknown) => this.end(RpcError.from(error)),
      );
      return this.starting.then(() => this.next());
    }
    if (this.signal?.aborted) return this.fail(abortError(this.signal.reason));
    if (this.head < this.buffer.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.ended) return this.failure === undefined ? this.finish() : this.fail(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.finished) {
      const ongoing = !this.ended;
      void this.finish();
      // The consumer stopped early: nobody will read the rest.
      if (ongoing) this.call?.cancel();
    }
    return Promise.resolve(DONE);
  }

  /** Takes the call `open` made, and starts reading. */
  attach(call: ReadableCall): void {
    this.call = call;
    // The consumer left (return()) while the call was starting.
    if (this.finished) call.cancel();
    else this.read();
  }

  message(value: unknown): void {
    this.reading = false;
    if (this.finished) return;
    const waiter = this.signal?.aborted ? undefined : this.waiters.shift();
    if (waiter) waiter.resolve({ done: false, value });
    else this.buffer.push(value);
    this.read();
  }

  /** The call is over: after the responses received, the stream ends with `error` (if any). */
  end(error: RpcError | undefined): void {
    this.failure ??= error;
    this.ended = true;
    this.wake();
  }

  /** Asks for the next response while the buffer has room. */
  private read(): void {
    if (!this.reading && !this.ended && !this.finished && this.buffer.length - this.head < HIGH_WATER_MARK) {
      this.reading = true;
      this.call?.startRead();
    }
  }

  private take(): unknown {
    const value = this.buffer[this.head++];
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    }
    this.read();
    return value;
  }

  /** Answers the waiting `next()` calls from the current state. */
  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) this.next().then(waiter.resolve, waiter.reject);
  }

  private fail(error: RpcError): Promise<IteratorResult<unknown>> {
    void this.finish();
    return Promise.reject(error);
  }

  private finish(): Promise<IteratorResult<unknown>> {
    if (!this.finished) {
      this.finished = true;
      this.buffer = [];
      this.head = 0;
    }
    return Promise.resolve(DONE);
  }
}
