import type { ServerInterceptor } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import { payload } from '../src/payload';
import { expectations } from './conformance';
import { runClientProgram, runProcess, SERVER_PROGRAM, startInteropServer, startServerProgram, type ServerProcess } from './interop-harness';

const node = (args: string[]) => runProcess(process.execPath, [SERVER_PROGRAM, ...args], { timeoutMs: 10_000 });

describe('the interop programs (npm run server, npm run client)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProgram(['--port', '0']);
  });
  afterAll(() => server.stop());

  it('run every case against each other, one line per case, and exit 3 for the UNSUPPORTED ones', async () => {
    const { code, stdout } = await runClientProgram(['--server_host=127.0.0.1', `--server_port=${server.port}`, '--test_case=all', '--use_tls=false']);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(expectations('switchboardToSwitchboard').map(([name, e]) => `${e.status} ${name}`));
    expect(code).toBe(3);
  });

  it('exit 0 for a case that passes, given the flags as separate words', async () => {
    const { code, stdout } = await runClientProgram(['--server_host', '127.0.0.1', '--server_port', String(server.port), '--test_case', 'large_unary']);
    expect(stdout).toMatch(/^PASS large_unary \(\d+ ms\)\n$/);
    expect(code).toBe(0);
  });

  it('exit 3 and give the reason for a case that cannot be run as described', async () => {
    const { code, stdout } = await runClientProgram([`--server_port=${server.port}`, '--test_case=server_compressed_unary']);
    expect(stdout).toContain('UNSUPPORTED server_compressed_unary');
    expect(stdout).toContain('a grpc-js server never compresses');
    expect(code).toBe(3);
  });

  it('exit 2 with the usage on a bad command line', async () => {
    const runs = await Promise.all([
      runClientProgram([`--server_port=${server.port}`, '--test_case=large_unary', '--use_tls=true']),
      runClientProgram([`--server_port=${server.port}`, '--test_case=huge_unary']),
      runClientProgram(['--test_case=large_unary']),
      node(['--use_tls=false']),
    ]);
    expect(runs.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual([
      [2, 'TLS is not supported by this client: run it with --use_tls=false'],
      [2, 'unknown test case(s): huge_unary'],
      [2, '--server_port=N is required'],
      [2, '--port=N is required'],
    ]);
  });
});

describe('the interop client program against a misbehaving server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const shrink: ServerInterceptor = async function* (call, next) {
      for await (const response of next(call)) yield { ...(response as object), payload: payload(1) };
    };
    server = await startInteropServer([shrink]);
  });
  afterAll(() => server.shutdown(0));

  it('exits 1 and says what was wrong', async () => {
    const { code, stdout } = await runClientProgram([`--server_port=${server.port}`, '--test_case=large_unary']);
    expect(stdout).toMatch(/^FAIL large_unary \(\d+ ms\): UnaryCall: expected a 314159-byte payload body, got 1 bytes\n$/);
    expect(code).toBe(1);
  });
});
