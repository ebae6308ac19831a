import type { RunningServer } from '@switchboard/server';
import type { CaseResult } from '../src/client/interop-case';
import { CASE_NAMES } from '../src/client/run-interop-case';
import { expectations } from './conformance';
import { sniffMessageFlags } from '@switchboard/test-support';
import { runPythonClient, startInteropServer } from './interop-harness';

describe('the python interop client (grpcio, gRPC C core) against the Switchboard interop server', () => {
  let server: RunningServer;
  let results: Map<string, CaseResult>;
  beforeAll(async () => {
    server = await startInteropServer();
    // One python process runs every case: its start-up is most of the cost.
    results = new Map((await runPythonClient(server.port, CASE_NAMES)).map((r) => [r.name, r]));
  }, 40_000);
  afterAll(() => server.shutdown(0));

  it('sends the client_compressed_unary requests plain, gzip-flagged, then plain on the wire', async () => {
    const sniffer = await sniffMessageFlags(server.port);
    try {
      const [result] = await runPythonClient(sniffer.port, ['client_compressed_unary']);
      expect([result?.status, sniffer.flags]).toEqual(['PASS', [0, 1, 0]]);
    } finally {
      await sniffer.close();
    }
  });

  it.each(expectations('pythonToSwitchboard'))('%s ends as the conformance table says', (name, expected) => {
    const result = results.get(name);
    expect({ status: result?.status, reason: result?.reason }).toEqual({
      status: expected.status,
      reason: expected.reason ? expect.stringMatching(expected.reason) : undefined,
    });
  });
});
