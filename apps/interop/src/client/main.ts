import { parseFlags } from '../flags';
import type { CaseResult } from './interop-case';
import { CASE_NAMES, runInteropCases } from './run-interop-case';

const USAGE = `usage: npm run client -w @switchboard/app-interop -- --server_host=H --server_port=N --test_case=NAME [--use_tls=false]

Runs gRPC interop test cases (doc/interop-test-descriptions.md of the gRPC
repository) with @switchboard/client against a grpc.testing.TestService
server. NAME is one case, several separated by commas, or "all":
  ${CASE_NAMES.join('\n  ')}
Exit status: 0 every case passed, 1 a case failed, 3 a case could not be run
as described (UNSUPPORTED, with the reason), 2 a bad command line.`;

/** What the process exits with, for the worst result. */
const EXIT = { PASS: 0, FAIL: 1, USAGE: 2, UNSUPPORTED: 3 } as const;

function exitCode(results: readonly CaseResult[]): number {
  if (results.some((r) => r.status === 'FAIL')) return EXIT.FAIL;
  return results.some((r) => r.status === 'UNSUPPORTED') ? EXIT.UNSUPPORTED : EXIT.PASS;
}

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, ['server_host', 'server_port', 'test_case', 'use_tls', 'use_test_ca']);
  const usage = (problem: string): number => {
    console.error(`${problem}\n\n${USAGE}`);
    return EXIT.USAGE;
  };
  if (flags.help) {
    console.log(USAGE);
    return EXIT.PASS;
  }
  if (flags.error !== undefined) return usage(flags.error);
  const { server_host: host = '127.0.0.1', server_port: port, test_case: testCase, use_tls: tls = 'false', use_test_ca: testCa = 'false' } = flags.values;
  if (tls !== 'false' || testCa !== 'false') return usage('TLS is not supported by this client: run it with --use_tls=false');
  if (port === undefined || !/^\d+$/.test(port)) return usage('--server_port=N is required');
  if (testCase === undefined) return usage('--test_case=NAME is required');
  const names = testCase === 'all' ? CASE_NAMES : testCase.split(',');
  const unknown = names.filter((n) => !CASE_NAMES.includes(n));
  if (unknown.length > 0) return usage(`unknown test case(s): ${unknown.join(', ')}`);

  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const results = await runInteropCases(target, names);
  for (const r of results) console.log(`${r.status} ${r.name} (${r.ms} ms)${r.reason === undefined ? '' : `: ${r.reason}`}`);
  return exitCode(results);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(EXIT.FAIL);
  },
);
