import * as fs from 'node:fs';
import { composeInterceptors, createLogger, oneResult, type CallContext, type InterceptedCall, type ServerInterceptor } from '@switchboard/core';
import { accessLogInterceptor, createServerMetrics } from '@switchboard/server';
import { Bench } from './bench-definition';

const CALLS = 200_000;
const STREAM_REPLIES = 100;

/**
 * The CPU one unary call spends in the observability interceptors alone, in
 * this process, without transport or handler: what `run-observability`
 * measures end to end, isolated, so that a change to their hot path can be
 * measured on a busy machine. Prints µs of CPU per call (a unary call, and
 * a server stream of 100 replies) for each variant and for an empty chain,
 * in two interleaved passes.
 */
async function main(): Promise<void> {
  const fd = fs.openSync('/dev/null', 'w');
  const logger = createLogger({ log: { level: 'info' } }, { write: (line: string) => void fs.writeSync(fd, line) });
  const accessLog = (): ServerInterceptor => accessLogInterceptor(logger, { enabled: true, sampleRate: 1, slowMs: 0 });
  const variants: [string, ServerInterceptor[]][] = [
    ['no interceptor', []],
    ['metrics', [createServerMetrics().interceptor]],
    ['access log', [accessLog()]],
    ['metrics + access log', [createServerMetrics().interceptor, accessLog()]],
  ];
  const ctx = { peer: 'ipv4:127.0.0.1:50000', signal: new AbortController().signal } as unknown as CallContext;
  const shapes = [
    { name: 'unary', method: Bench.methods.get('Unary')!, replies: 1, calls: CALLS },
    { name: `stream of ${STREAM_REPLIES}`, method: Bench.methods.get('ServerStream')!, replies: STREAM_REPLIES, calls: CALLS / STREAM_REPLIES },
  ];
  for (const shape of shapes) {
    const reply = { message: 'pong' };
    const replies = async function* (): AsyncIterable<unknown> {
      for (let i = 0; i < shape.replies; i++) yield reply;
    };
    const run = async (chain: ServerInterceptor[], calls: number): Promise<number> => {
      const handle = composeInterceptors(chain, replies);
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < calls; i++) {
        const call: InterceptedCall = { method: shape.method, ctx, requests: oneResult(() => ({ message: 'ping' })) };
        for await (const _ of handle(call));
      }
      const cpu = process.cpuUsage(cpu0);
      return (cpu.user + cpu.system) / calls;
    };
    for (let pass = 1; pass <= 2; pass++) {
      for (const [name, chain] of variants) {
        await run(chain, shape.calls / 10);
        process.stdout.write(`${shape.name}, pass ${pass}: ${name.padEnd(22)} ${(await run(chain, shape.calls)).toFixed(2)} µs CPU per call\n`);
      }
    }
  }
  fs.closeSync(fd);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
