import { memoryLogger } from '../test/harness';
import { RefusalLog } from './auth-refusal-log';

describe('RefusalLog', () => {
  it('logs the first refusal of each 10 s window at info with the count logged at debug since, the rest at debug', () => {
    const { logger, lines } = memoryLogger();
    let now = 1_000_000;
    const log = new RefusalLog(logger, () => now);
    const refuse = (): void => log.record({ method: '/a/B', peer: '127.0.0.1:1', reason: 'bad' });
    for (let i = 0; i < 1000; i++) refuse();
    now += 10_000;
    refuse();
    refuse();
    const info = lines.filter((l) => l['level'] === 30);
    expect(info.map((l) => l['suppressed'])).toEqual([0, 999]);
    expect(lines.filter((l) => l['level'] === 20)).toHaveLength(1000);
  });
});
