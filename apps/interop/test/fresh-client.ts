import { runInteropCases } from '../src/client/run-interop-case';

/**
 * The child's side of the fresh-process test: what `npm run client` does,
 * from the top of a script on a cold channel: runs `cases` against `port`
 * and prints one `STATUS name` line each, then exits 0.
 * @internal
 */
export function childMain({ port, cases }: { port: number; cases: string[] }): void {
  void runInteropCases(`127.0.0.1:${port}`, cases).then((results) => {
    process.stdout.write(results.map((r) => `${r.status} ${r.name}${r.reason === undefined ? '' : `: ${r.reason}`}\n`).join(''));
    process.exit(0);
  });
}
