/**
 * The write side of a client-streaming or bidi call: `write` resolves when
 * the message has been taken for sending, so a caller that awaits it never
 * runs ahead of the transport. Once the call is over (`close`), every write
 * not yet taken, and every later one, rejects with the call's error.
 *
 * The promises `write` returns are observed here: a caller that does not
 * await one sees the call's outcome through the response instead, and the
 * process no unhandled rejection.
 * @internal
 */
export class MessageQueue<T> implements AsyncIterable<T> {
  private items: { value: T; taken: () => void; refused: (error: Error) => void }[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private closed: Error | undefined;

  constructor(
    /** Names the call in the errors of misuse, e.g. `/pkg.Service/Method`. */
    private readonly path: string,
  ) {}

  write(value: T): Promise<void> {
    if (this.closed !== undefined) return observed(Promise.reject(this.closed));
    if (this.ended) return observed(Promise.reject(new Error(`${this.path}: write() after end()`)));
    return observed(
      new Promise<void>((taken, refused) => {
        this.items.push({ value, taken, refused });
        this.notify();
      }),
    );
  }

  /** Half-closes: the requests end after the ones written. Again is a no-op. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The call is over: writes not taken, and later ones, reject with `error`; the requests end. The first close wins. */
  close(error: Error): void {
    if (this.closed !== undefined) return;
    this.closed = error;
    const items = this.items;
    this.items = [];
    for (const item of items) item.refused(error);
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        item.taken();
        yield item.value;
        continue;
      }
      if (this.ended || this.closed !== undefined) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function observed(promise: Promise<void>): Promise<void> {
  promise.catch(() => undefined);
  return promise;
}
