/** A resource {@link StartCleanup.release} could not release, and why. @internal */
export interface ReleaseFailure {
  /** What {@link StartCleanup.defer} called it, e.g. `client channels`. */
  readonly name: string;
  readonly error: unknown;
}

/**
 * What a start has acquired, as one stack: each step of the start defers the
 * release of what it took, and one `release()` (a start that fails, or the
 * shutdown of a started server) undoes them newest first. A release that
 * fails does not stop the others; the failures are returned for the caller
 * to log or throw, so that a failed start still throws its own error.
 * @internal
 */
export class StartCleanup {
  private readonly steps: { readonly name: string; readonly release: () => unknown }[] = [];
  private released: Promise<ReleaseFailure[]> | undefined;

  /** Adds `release` on top of the stack: it runs before everything deferred earlier. */
  defer(name: string, release: () => unknown): void {
    if (this.released) throw new Error(`StartCleanup: '${name}' was deferred after the release began`);
    this.steps.push({ name, release });
  }

  /** Runs every deferred release, newest first, each once however often this is called; resolves to those that failed. */
  release(): Promise<ReleaseFailure[]> {
    this.released ??= this.run();
    return this.released;
  }

  private async run(): Promise<ReleaseFailure[]> {
    const failures: ReleaseFailure[] = [];
    for (const step of [...this.steps].reverse()) {
      try {
        await step.release();
      } catch (error) {
        failures.push({ name: step.name, error });
      }
    }
    return failures;
  }
}
