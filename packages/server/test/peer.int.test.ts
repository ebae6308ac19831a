import { Code } from '@switchboard/core';
import { type PeerFailure, type PeerMetadata, type PeerOutcome, runPeer, until } from '@switchboard/test-support';
import { startEcho, type EchoHarness } from './harness';

interface Reply {
  message: string;
  index: number;
  payloadHex: string;
}

describe('a Switchboard server serving the Echo fixture, driven by the gRPC C-core peer', () => {
  let h: EchoHarness;
  let target: string;
  beforeEach(async () => {
    h = await startEcho();
    target = `127.0.0.1:${h.port}`;
  });
  afterEach(() => h.close());

  describe('with metadata', () => {
    it('echoes x-echo-* text and -bin values as headers and as trailers, bytes intact, on unary and bidi calls', async () => {
      type Received = { headers: PeerMetadata; trailers: PeerMetadata };
      const report = await runPeer<{ unary: Received & { reply: Reply }; bidi: Received & { replies: Reply[] } }>('echo-metadata', target, {
        text: 'hello, peer',
        blobHex: '000102ff',
      });
      const echoed = [
        ['x-echo-text', 'hello, peer'],
        ['x-echo-blob-bin', '000102ff'],
      ];
      for (const call of [report.unary, report.bidi]) {
        expect(call.headers.filter(([key]) => key.startsWith('x-echo-'))).toEqual(echoed);
        expect(call.trailers.filter(([key]) => key.startsWith('x-echo-'))).toEqual(echoed);
      }
      expect(report.unary.reply.message).toBe('unary');
      expect(report.bidi.replies.map((r) => [r.message, r.index])).toEqual([
        ['b0', 0],
        ['b1', 1],
      ]);
    });
  });

  describe('with errors', () => {
    it('sends an RpcError with its BadRequest detail, which the peer decodes from grpc-status-details-bin', async () => {
      const [outcome] = await runPeer<PeerOutcome<Reply>[]>('echo-errors', target, { calls: [{ message: 'too short', fail: 'INVALID_ARGUMENT' }] });
      expect(outcome).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', details: 'failed as asked: too short' });
      expect((outcome as PeerFailure).statusDetails).toEqual({
        code: Code.INVALID_ARGUMENT,
        message: 'failed as asked: too short',
        details: [
          {
            typeUrl: 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'message', description: 'too short' }],
          },
        ],
      });
    });

    it('sends a plain Error as INTERNAL "Internal server error" and nothing of its message', async () => {
      const [outcome] = await runPeer<PeerOutcome<Reply>[]>('echo-errors', target, { calls: [{ message: 'x', fail: 'PLAIN' }] });
      expect(outcome).toMatchObject({ ok: false, code: 'INTERNAL', details: 'Internal server error', statusDetails: null });
      expect(JSON.stringify(outcome)).not.toContain('hunter2');
      // The cause was there, and stayed in the server's log.
      expect(h.lines.find((l) => l['msg'] === 'handler failed')).toMatchObject({ err: { message: 'db password is hunter2' } });
    });
  });

  describe('with streams', () => {
    it('answers a client stream once at its end, a bidi ping-pong message by message, and a server stream in order', async () => {
      const report = await runPeer<Record<'clientStream' | 'serverStream', PeerOutcome<Reply | Reply[]>> & { bidi: PeerOutcome<string[]> }>(
        'echo-streams',
        target,
        { messages: ['a', 'b', 'c'] },
      );
      expect(report.clientStream).toMatchObject({ ok: true, value: { message: 'a,b,c', index: 3 } });
      // Each message was sent only after the reply to the previous one arrived.
      expect(report.bidi).toMatchObject({ ok: true, value: ['sent a', 'got a#0', 'sent b', 'got b#1', 'sent c', 'got c#2'] });
      expect(report.serverStream.ok).toBe(true);
      expect((report.serverStream as { value: Reply[] }).value.map((r) => r.index)).toEqual([0, 1, 2]);
    });

    it("ends a slow server stream at the peer's deadline, and the handler sees DEADLINE_EXCEEDED", async () => {
      const outcome = await runPeer<PeerOutcome<Reply[]> & { received: Reply[] }>('echo-stream-deadline', target, {
        count: 5,
        delayMs: 1000,
        timeout: 0.3,
      });
      expect(outcome).toMatchObject({ ok: false, code: 'DEADLINE_EXCEEDED', received: [] });
      expect(outcome.ms).toBeLessThan(1000);
      await until(() => h.observed.aborts.length === 1);
      expect(h.observed.aborts[0]).toMatchObject({ method: 'ServerStream', reason: { code: Code.DEADLINE_EXCEEDED } });
      expect(h.observed.produced).toBe(0);
    });
  });
});
