import * as path from 'node:path';
import { runMain } from '@switchboard/server';
import { parseFlags } from './flags';
import { interopModule } from './index';

const USAGE = `usage: npm run server -w @switchboard/app-interop -- --port=N [--use_tls=false]

Serves grpc.testing.TestService, the gRPC interop test server, on HOST
(default 127.0.0.1) and port N (0 picks a free one; the log line "listening"
names it). Plaintext only. Stops gracefully on SIGTERM or SIGINT.`;

function main(argv: readonly string[]): void {
  const flags = parseFlags(argv, ['port', 'use_tls']);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const problem =
    flags.error ??
    (flags.values['port'] === undefined ? '--port=N is required' : undefined) ??
    ((flags.values['use_tls'] ?? 'false') !== 'false' ? 'TLS is not supported by this server: run it with --use_tls=false' : undefined);
  if (problem !== undefined) {
    console.error(`${problem}\n\n${USAGE}`);
    process.exit(2);
  }
  void runMain({
    modules: [interopModule],
    config: { argv: [], env: { ...process.env, PORT: flags.values['port'] }, configDir: path.join(__dirname, '../config/server') },
  });
}

main(process.argv.slice(2));
