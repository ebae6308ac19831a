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
    const source = this.source;
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.rejectPending = reject;
      source.next().then(resolve, reject);
    }).then(
      (result) => {
        this.rejectPending = undefined;
        if (result.done !== true) return result;
        if (this.abortion.abortReason !== undefined) return this.stop(this.abortion.abortReason);
        this.finish(false);
        return DONE;
      },
      (error: unknown) => this.stop(error as Error),
    );
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
    if (!this.finished) this.finish(true);
    return Promise.reject(error);
  }

  private finish(early: boolean): void {
    this.finished = true;
    this.rejectPending = undefined;
    this.stopListening?.();
    // An early exit (a stopped consumer, an error, an abort) tells the source to clean up.
    if (early) void this.source?.return?.()?.catch(() => undefined);
  }
}
