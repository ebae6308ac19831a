import type { Abortion } from './abortion';

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * Iterates what `open()` gives (called at the first `next()`) until it ends
 * or the call aborts; on abort the pending `next()` rejects with the abort
 * reason at once, even while the source is still producing. One
 * abort listener serves the whole stream: racing each message against a
 * promise that never settles would keep every message reachable until the
 * end. A hand-written iterator rather than an async generator: it sits on
 * every streamed message's path.
 * @internal
 */
export class Abortable<T> implements AsyncIterableIterator<T> {
  private source: AsyncIterator<T> | undefined;
  private opening: Promise<void> | undefined;
  private rejectPending: ((reason: unknown) => void) | undefined;
  private stopListening: (() => void) | undefined;
  private finished = false;

  constructor(
    private readonly open: () => AsyncIterable<T> | Promise<AsyncIterable<T>>,
    private readonly abortion: Abortion,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.finished) return Promise.resolve(DONE);
    if (this.abortion.abortReason !== undefined) return this.stop(this.abortion.abortReason);
    if (this.source === undefined)
      return (this.opening ??= this.start()).then(
        () => this.next(),
        (error: unknown) => this.stop(error as Error),
      );
    const pending = this.source.next();
    // One promise per message: the source's result settles it directly.
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.rejectPending = reject;
      pending.then(
        (result) => {
          this.rejectPending = undefined;
          if (result.done !== true) return resolve(result);
          if (this.abortion.abortReason !== undefined) return reject(this.failed(this.abortion.abortReason));
          this.finish(false);
          resolve(DONE);
        },
        (error: unknown) => reject(this.failed(error as Error)),
      );
    });
  }

  /**
   * Reads the whole source into `write` (the server's streaming adapter, when
   * no interceptor wraps the handler's responses): no promise per message
   * besides the source's own. `write` returns a promise when the consumer
   * must wait (the transport's buffer is full), which rejects to stop. The
   * result settles when the source ends, with what it or `write` threw, or
   * with the abort reason as soon as the call aborts, the source then closed
   * as by `return()`. Only for a stream nothing has read from.
   */
  pipeTo(write: (value: T) => Promise<void> | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        reject(this.failed(error as Error));
      };
      const step = (): void => {
        if (settled) return;
        if (this.abortion.abortReason !== undefined) return fail(this.abortion.abortReason);
        this.rejectPending = fail;
        this.source!.next().then(onResult, fail);
      };
      const onResult = (result: IteratorResult<T>): void => {
        if (settled) return;
        this.rejectPending = undefined;
        if (result.done === true) {
          if (this.abortion.abortReason !== undefined) return fail(this.abortion.abortReason);
          settled = true;
          this.finish(false);
          return resolve();
        }
        let pending: Promise<void> | undefined;
        try {
          pending = write(result.value);
        } catch (error) {
          return fail(error);
        }
        if (pending === undefined) step();
        else pending.then(step, fail);
      };
      if (this.abortion.abortReason !== undefined) return fail(this.abortion.abortReason);
      (this.opening ??= this.start()).then(step, fail);
    });
  }

  /** The consumer stopped early: the source is told to clean up. */
  return(): Promise<IteratorResult<T>> {
    if (!this.finished) this.finish(true);
    return Promise.resolve(DONE);
  }

  private async start(): Promise<void> {
    const source = (await this.open())[Symbol.asyncIterator]();
    this.stopListening = this.abortion.onAbort(this.onAbort);
    this.source = source;
  }

  private readonly onAbort = (reason: Error): void => this.rejectPending?.(reason);

  private stop(error: Error): Promise<never> {
    return Promise.reject(this.failed(error));
  }

  /** Ends the stream early because of `error`, and gives it back. */
  private failed(error: Error): Error {
    if (!this.finished) this.finish(true);
    return error;
  }

  private finish(early: boolean): void {
    this.finished = true;
    this.rejectPending = undefined;
    this.stopListening?.();
    // An early exit (a stopped consumer, an error, an abort) tells the source to clean up.
    if (early) void this.source?.return?.()?.catch(() => undefined);
  }
}
