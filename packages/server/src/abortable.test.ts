import { setTimeout as sleep } from 'node:timers/promises';
import { Abortable } from './abortable';
import { signalAbortion } from './abortion';

/** A source that yields `items`, waiting `ms` before each, and logs when it is closed. */
function source(items: string[], ms: number, log: string[]): () => AsyncIterable<string> {
  return () =>
    (async function* () {
      try {
        for (const item of items) {
          await sleep(ms, undefined, { ref: false });
          yield item;
        }
      } finally {
        log.push('source closed');
      }
    })();
}

describe('Abortable', () => {
  it('passes every message through and ends with the source', async () => {
    const log: string[] = [];
    const out: string[] = [];
    for await (const m of new Abortable(source(['a', 'b'], 1, log), signalAbortion(new AbortController().signal))) out.push(m);
    expect([out, log]).toEqual([['a', 'b'], ['source closed']]);
  });

  it('rejects the pending next() with the abort reason at once, and closes the source', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const stream = new Abortable(source(['a', 'slow'], 0, log), signalAbortion(controller.signal));
    await expect(stream.next()).resolves.toEqual({ done: false, value: 'a' });
    const slow = new Abortable(source(['never'], 10_000, log), signalAbortion(controller.signal));
    const pendingSlow = slow.next();
    await sleep(20);
    const started = Date.now();
    controller.abort(new Error('cancelled by the client'));
    await expect(pendingSlow).rejects.toThrow('cancelled by the client');
    expect(Date.now() - started).toBeLessThan(100);
    await expect(stream.next()).rejects.toThrow('cancelled by the client');
    await expect(stream.next()).resolves.toEqual({ done: true, value: undefined });
    expect(log).toEqual(['source closed']); // `stream`'s; `slow`'s generator is parked in its sleep and closes when it wakes
  });

  it('never opens the source once the signal has aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    let opened = false;
    const stream = new Abortable(() => ((opened = true), source(['a'], 0, [])()), signalAbortion(controller.signal));
    await expect(stream.next()).rejects.toThrow('too late');
    expect(opened).toBe(false);
  });

  it('closes the source when the consumer stops early', async () => {
    const log: string[] = [];
    for await (const m of new Abortable(source(['a', 'b', 'c'], 0, log), signalAbortion(new AbortController().signal))) if (m === 'a') break;
    expect(log).toEqual(['source closed']);
  });

  it('passes on what the source throws, and what opening it throws', async () => {
    const failing = () =>
      (async function* () {
        yield 'a';
        throw new Error('handler failed');
      })();
    const out: string[] = [];
    await expect(
      (async () => {
        for await (const m of new Abortable(failing, signalAbortion(new AbortController().signal))) out.push(m);
      })(),
    ).rejects.toThrow('handler failed');
    expect(out).toEqual(['a']);
    const broken = new Abortable<string>(() => Promise.reject(new Error('not an iterable')), signalAbortion(new AbortController().signal));
    await expect(broken.next()).rejects.toThrow('not an iterable');
  });

  describe('pipeTo', () => {
    it('writes every message and settles when the source ends', async () => {
      const log: string[] = [];
      const out: string[] = [];
      await new Abortable(source(['a', 'b', 'c'], 0, log), signalAbortion(new AbortController().signal)).pipeTo((m) => void out.push(m));
      expect([out, log]).toEqual([['a', 'b', 'c'], ['source closed']]);
    });

    it("waits for write's promise before the next message, and stops with its rejection, closing the source", async () => {
      const log: string[] = [];
      const out: string[] = [];
      const items = (async function* () {
        try {
          yield* ['a', 'b', 'c'];
        } finally {
          log.push('source closed');
        }
      })();
      let release = (): void => undefined;
      const piped = new Abortable(() => items, signalAbortion(new AbortController().signal)).pipeTo((m) => {
        out.push(m);
        if (m === 'a') return new Promise<void>((resolve) => (release = resolve));
        if (m === 'b') return Promise.reject(new Error('transport gone'));
        return undefined;
      });
      for (let i = 0; i < 5; i++) await new Promise(setImmediate);
      expect(out).toEqual(['a']);
      release();
      await expect(piped).rejects.toThrow('transport gone');
      expect([out, log]).toEqual([['a', 'b'], ['source closed']]);
    });

    it('rejects with the abort reason at once while the source is producing', async () => {
      const controller = new AbortController();
      const out: string[] = [];
      const stuck = (async function* () {
        yield 'a';
        await new Promise(() => undefined);
      })();
      const piped = new Abortable(() => stuck, signalAbortion(controller.signal)).pipeTo((m) => {
        out.push(m);
        setImmediate(() => controller.abort(new Error('cancelled by the client')));
        return undefined;
      });
      await expect(piped).rejects.toThrow('cancelled by the client');
      expect(out).toEqual(['a']);
    });

    it('passes on what the source or write throws, and never opens the source once aborted', async () => {
      const failing = () =>
        (async function* () {
          yield 'a';
          throw new Error('handler failed');
        })();
      await expect(new Abortable(failing, signalAbortion(new AbortController().signal)).pipeTo(() => undefined)).rejects.toThrow('handler failed');
      const log: string[] = [];
      const throwing = new Abortable(source(['a', 'b'], 0, log), signalAbortion(new AbortController().signal)).pipeTo(() => {
        throw new Error('write failed');
      });
      await expect(throwing).rejects.toThrow('write failed');
      expect(log).toEqual(['source closed']);
      const controller = new AbortController();
      controller.abort(new Error('too late'));
      let opened = false;
      const late = new Abortable(() => ((opened = true), source(['a'], 0, [])()), signalAbortion(controller.signal));
      await expect(late.pipeTo(() => undefined)).rejects.toThrow('too late');
      expect(opened).toBe(false);
    });
  });
});
