const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const cleanups = new Set<() => void>();

function onSignal(signal: NodeJS.Signals): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // The process is ending on a signal: a cleanup that fails must not keep the others from running.
    }
  }
  cleanups.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // Re-raised with no listener left, the signal ends the process as it would have without us (exit status 128 + n).
  process.kill(process.pid, signal);
}

/**
 * Runs `work`; if SIGINT or SIGTERM arrives before it settles, `cleanup`
 * runs (with every other pending one, newest first) and the process then
 * ends by that signal, as it would have. For work that leaves a temporary
 * folder behind when interrupted (Ctrl-C during `switchboard new`): a
 * `finally` block does not run when a signal ends the process.
 *
 * @example
 * await withSignalCleanup(() => fs.rmSync(temp, { recursive: true, force: true }), () => fill(temp));
 */
export async function withSignalCleanup<T>(cleanup: () => void, work: () => Promise<T>): Promise<T> {
  if (cleanups.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  cleanups.add(cleanup);
  try {
    return await work();
  } finally {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) for (const s of SIGNALS) process.removeListener(s, onSignal);
  }
}
