/**
 * The write side of a client-streaming or bidi call: `write` resolves when
 * the message has been taken for sending, so a caller that awaits it never
 * runs ahead of the transport.
 * @internal
 */
export class MessageQueue<T> implements AsyncIterable<T> {
  private readonly items: { value: T; taken: () => void }[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;

  write(value: T): Promise<void> {
    if (this.ended) return Promise.reject(new Error('write after end'));
    return new Promise<void>((taken) => {
      this.items.push({ value, taken });
      this.notify();
    });
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Ends the stream with an error: the call is cancelled with it. */
  fail(error: Error): void {
    this.failure = error;
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        item.taken();
        yield item.value;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
