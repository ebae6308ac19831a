import { connectInterop, type InteropConnection } from '../src/client/interop-clients';
import { runInteropCase, runInteropCases } from '../src/client/run-interop-case';
import { expectations } from './conformance';
import { sniffMessageFlags } from '@switchboard/test-support';
import { startPythonServer, type ServerProcess } from './interop-harness';

describe('Switchboard’s interop client against the python interop server (grpcio, gRPC C core)', () => {
  let server: ServerProcess;
  let connection: InteropConnection;
  beforeAll(async () => {
    server = await startPythonServer();
    connection = connectInterop(`127.0.0.1:${server.port}`);
  }, 20_000);
  afterAll(async () => {
    connection?.close();
    await server?.stop();
  });

  it('sees on the wire that the python server compresses exactly the responses asked for', async () => {
    const sniffer = await sniffMessageFlags(server.port);
    try {
      const results = await runInteropCases(`127.0.0.1:${sniffer.port}`, ['server_compressed_unary', 'server_compressed_streaming']);
      expect([results.map((r) => r.status), sniffer.responseFlags]).toEqual([
        ['UNSUPPORTED', 'UNSUPPORTED'],
        [1, 0, 1, 0],
      ]);
    } finally {
      await sniffer.close();
    }
  });

  it.each(expectations('switchboardToPython'))('%s ends as the conformance table says', async (name, expected) => {
    const result = await runInteropCase(name, connection.stubs);
    expect({ status: result.status, reason: result.reason }).toEqual({
      status: expected.status,
      reason: expected.reason ? expect.stringMatching(expected.reason) : undefined,
    });
  });
});
