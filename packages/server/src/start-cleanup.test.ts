import { StartCleanup } from './start-cleanup';

describe('StartCleanup', () => {
  it('releases newest first, each step once however often release is called, even while it runs', async () => {
    const cleanup = new StartCleanup();
    const released: string[] = [];
    cleanup.defer('first', () => void released.push('first'));
    cleanup.defer('second', async () => {
      await Promise.resolve();
      released.push('second');
    });
    cleanup.defer('third', () => void released.push('third'));
    const [a, b] = [cleanup.release(), cleanup.release()];
    expect(await a).toEqual([]);
    expect(await b).toEqual([]);
    expect(await cleanup.release()).toEqual([]);
    expect(released).toEqual(['third', 'second', 'first']);
  });

  it('runs every step when some fail, and returns the failures in the order they happened', async () => {
    const cleanup = new StartCleanup();
    const released: string[] = [];
    const sync = new Error('sync');
    const async = new Error('async');
    cleanup.defer('first', () => void released.push('first'));
    cleanup.defer('rejects', () => Promise.reject(async));
    cleanup.defer('throws', () => {
      throw sync;
    });
    expect(await cleanup.release()).toEqual([
      { name: 'throws', error: sync },
      { name: 'rejects', error: async },
    ]);
    expect(released).toEqual(['first']);
  });

  it('refuses a step deferred once the release has begun, which it would never run', async () => {
    const cleanup = new StartCleanup();
    await cleanup.release();
    expect(() => cleanup.defer('late', () => undefined)).toThrow("StartCleanup: 'late' was deferred after the release began");
  });
});
