import * as path from 'node:path';
import type { RunningServer } from '@switchboard/server';
import { runTsChild } from '@switchboard/test-support';
import { startInteropServer } from './interop-harness';

describe('the interop client in a fresh process (a cold channel, the call made at the top of the script)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startInteropServer();
  });
  afterAll(() => server.shutdown(0));

  // Its bidi call's 1 ms deadline passes before the channel has resolved its name: grpc-js reports it
  // in a process.nextTick, before any promise continuation of the script.
  it.each([1, 2, 3])('passes timeout_on_sleeping_server and exits 0 (run %i)', async () => {
    const run = await runTsChild(path.join(__dirname, 'fresh-client.ts'), { port: server.port, cases: ['timeout_on_sleeping_server'] });
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: 'PASS timeout_on_sleeping_server\n', stderr: '' });
  });

  it('passes cancel_after_begin and cancel_after_first_response the same way', async () => {
    const run = await runTsChild(path.join(__dirname, 'fresh-client.ts'), { port: server.port, cases: ['cancel_after_begin', 'cancel_after_first_response'] });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: 'PASS cancel_after_begin\nPASS cancel_after_first_response\n' });
  });
});
