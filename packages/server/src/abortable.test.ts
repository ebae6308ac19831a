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
});
