import { resolve } from '@switchboard/core';
import { Echo } from '@switchboard/test-support';
import { defineClient, type CallOptions } from '../src/index';
import { connect } from './chain';
import { KINDS, drive } from './drive-call';

const echoClient = defineClient('echo', Echo);

/** What ends each call early, given the running echo server's port and a refusing one. */
function ends(port: number, refused: number): [string, number, object, () => CallOptions][] {
  return [
    ['deadline already past', port, { message: 'late' }, () => ({ deadline: new Date(Date.now() - 1000) })],
    ['1 ms deadline, sleeping server', port, { message: 'zz', count: 1, delay_ms: 5000 }, () => ({ deadlineMs: 1 })],
    ["abort('bye') before the start", port, { message: 'never' }, () => ({ signal: AbortSignal.abort('bye') })],
    ['server error', port, { message: 'bad', count: 1, fail: 'NOT_FOUND' }, () => ({})],
    ['connection refused', refused, { message: 'nobody' }, () => ({})],
  ];
}

/**
 * The child's side of the cold-channel test: every kind × early end, each
 * on a channel of its own made just before (name resolution pending),
 * first at the top of the script, then from a timer. Prints one line per
 * call, sorted, then exits 0; a crash exits otherwise.
 * @internal
 */
export function childMain({ port, refused }: { port: number; refused: number }): void {
  const closers: (() => void)[] = [];
  const lines: Promise<string>[] = [];
  const run = (made: string): void => {
    for (const kind of KINDS) {
      for (const [what, target, request, options] of ends(port, refused)) {
        const c = connect([echoClient], { echo: { target: `127.0.0.1:${target}` } });
        closers.push(c.close);
        const echo = resolve(c.container, echoClient.token);
        lines.push(drive(echo, kind, request, options()).then((o) => `${made} ${kind} ${what}: ${o.status}`));
      }
    }
  };
  run('top');
  setTimeout(() => {
    run('timer');
    void Promise.all(lines).then((all) => {
      for (const close of closers) close();
      process.stdout.write(`${all.sort().join('\n')}\n`);
      process.exit(0);
    });
  }, 0);
}
