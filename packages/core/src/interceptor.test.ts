import { observe, type InterceptedCall, type ServerNext } from './interceptor';

const call = (requests: unknown[] = ['q1', 'q2']): InterceptedCall =>
  ({ method: { path: '/t.T/M', kind: 'bidi' }, ctx: { signal: new AbortController().signal }, requests: fromArray(requests) }) as unknown as InterceptedCall;

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function drain(source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** The rest of a chain that answers each request with `r:<request>`, logging what happens to it. */
function echoRest(log: string[], options: { failAfter?: number } = {}): ServerNext {
  return async function* rest(c) {
    let n = 0;
    try {
      for await (const request of c.requests) {
        log.push(`rest got ${String(request)}`);
        if (options.failAfter !== undefined && n++ >= options.failAfter) throw new Error('rest failed');
        yield `r:${String(request)}`;
      }
    } finally {
      log.push('rest closed');
    }
  };
}

describe('observe', () => {
  it('runs onStart, then onRequest and onResponse per message in order, and onEnd once with no error', async () => {
    const log: string[] = [];
    const watcher = observe({
      onStart: () => void log.push('start'),
      onRequest: (m) => void log.push(`request ${String(m)}`),
      onResponse: (m) => void log.push(`response ${String(m)}`),
      onEnd: (_c, error) => void log.push(`end ${String(error)}`),
    });
    await expect(drain(watcher(call(), echoRest(log)))).resolves.toEqual(['r:q1', 'r:q2']);
    expect(log).toEqual(['start', 'request q1', 'rest got q1', 'response r:q1', 'request q2', 'rest got q2', 'response r:q2', 'rest closed', 'end undefined']);
  });

  it('gives onEnd the error the rest of the chain threw, once, and passes it on', async () => {
    const ends: unknown[] = [];
    const watcher = observe({ onEnd: (_c, error) => void ends.push((error as Error).message) });
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const m of watcher(call(), echoRest([], { failAfter: 1 }))) got.push(m);
      })(),
    ).rejects.toThrow('rest failed');
    expect(got).toEqual(['r:q1']);
    expect(ends).toEqual(['rest failed']);
  });

  it('ends the call when onStart throws: the rest never runs, onEnd sees the error', async () => {
    const log: string[] = [];
    const watcher = observe({
      onStart: () => {
        throw new Error('denied');
      },
      onEnd: (_c, error) => void log.push(`end ${(error as Error).message}`),
    });
    await expect(drain(watcher(call(), echoRest(log)))).rejects.toThrow('denied');
    expect(log).toEqual(['end denied']);
  });

  it('ends the call when onResponse throws, closing the rest of the chain first', async () => {
    const log: string[] = [];
    const watcher = observe({
      onResponse: () => {
        throw new Error('bad response');
      },
      onEnd: (_c, error) => void log.push(`end ${(error as Error).message}`),
    });
    await expect(drain(watcher(call(), echoRest(log)))).rejects.toThrow('bad response');
    expect(log).toEqual(['rest got q1', 'rest closed', 'end bad response']);
  });

  it('waits for async hooks before passing a message on or ending', async () => {
    const log: string[] = [];
    const later = (what: string) => () => new Promise<void>((r) => setTimeout(() => (log.push(what), r()), 5));
    const watcher = observe({ onStart: later('start'), onResponse: later('response'), onEnd: later('end') });
    const consumed: unknown[] = [];
    for await (const m of watcher(call(['q']), echoRest([]))) {
      consumed.push(m);
      log.push(`consumer ${String(m)}`);
    }
    log.push('done');
    expect(log).toEqual(['start', 'response', 'consumer r:q', 'end', 'done']);
  });

  it('closes the rest of the chain and observes the end once when the consumer stops early', async () => {
    const log: string[] = [];
    const watcher = observe({ onEnd: (_c, error) => void log.push(`end ${String(error)}`) });
    for await (const m of watcher(call(['a', 'b', 'c']), echoRest(log))) if (m === 'r:a') break;
    expect(log).toEqual(['rest got a', 'rest closed', 'end undefined']);
  });

  it('runs onEnd with the error when the rest of the chain fails to close on an early exit, and passes it on', async () => {
    const ends: unknown[] = [];
    const watcher = observe({ onEnd: (_c, error) => void ends.push(error === undefined ? 'ok' : (error as Error).message) });
    const closing: AsyncIterator<unknown> = {
      next: () => Promise.resolve({ done: false, value: 'r' }),
      return: () => Promise.reject(new Error('close failed')),
    };
    const rest: ServerNext = () => ({ [Symbol.asyncIterator]: () => closing });
    const iterator = watcher(call(), rest)[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toEqual({ done: false, value: 'r' });
    await expect(iterator.return!()).rejects.toThrow('close failed');
    expect(ends).toEqual(['close failed']);
  });
});
