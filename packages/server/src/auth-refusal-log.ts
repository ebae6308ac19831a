import type { Logger } from '@switchboard/core';

/** How long one info line about refused tokens stands for the refusals after it. */
const WINDOW_MS = 10_000;

/**
 * Logs refused bearer tokens without letting a caller flood the log: the
 * first refusal of each 10-second window at info (`bearer token refused`,
 * with `suppressed`, the refusals since the last info line that were logged at
 * debug only), every other one at debug. Its state is two numbers, whatever
 * the rate. @internal
 */
export class RefusalLog {
  private windowStart = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  record(fields: { readonly method: string; readonly peer: string; readonly reason: string }): void {
    const now = this.now();
    if (now - this.windowStart < WINDOW_MS) {
      this.suppressed++;
      this.logger.debug(fields, 'bearer token refused');
      return;
    }
    this.windowStart = now;
    this.logger.info({ ...fields, suppressed: this.suppressed }, 'bearer token refused');
    this.suppressed = 0;
  }
}
