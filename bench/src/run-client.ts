import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBenchOptions } from './bench-options';
import { SwitchboardClientLoad, clientCounts } from './client-load';
import { LoadGenerator, type RoundResult } from './load-generator';
import { median, percentile } from './percentile';
import { ServerProcess } from './server-process';

const RESULTS_FILE = path.join(__dirname, '../results/client.json');

type Load = Pick<LoadGenerator, 'unary' | 'stream'>;

/**
 * The client scenarios: each option scenario, and after `stream` the same
 * streams with A reading them by `for await` (as async code does) instead of
 * `'data'` events.
 */
const FOR_AWAIT = 'stream, A reading with for await';

/**
 * Client throughput: the raw grpc-js client (A) and a Switchboard client with
 * two interceptors (B) against one raw grpc-js server in a child process,
 * rounds alternating A, B; prints the medians and B/A.
 */
async function main(): Promise<void> {
  const options = readBenchOptions();
  const server = await ServerProcess.start('raw', []);
  const raw = new LoadGenerator(server.port, options.channels);
  const ours = new SwitchboardClientLoad(server.port);
  const shape = { messages: options.streamMessages, bytes: options.messageBytes };
  /** A round, with this process's CPU time (user + system, µs) per call: the client's cost, whatever the server did. */
  const drive = async (load: Load, scenario: string, ms: number): Promise<RoundResult & { cpuUsPerCall: number }> => {
    const before = process.cpuUsage();
    const result = await (scenario === 'unary'
      ? load.unary(options.unaryConcurrency, ms)
      : scenario === FOR_AWAIT && load instanceof LoadGenerator
        ? load.streamIterated(options.streamConcurrency, ms, shape)
        : load.stream(options.streamConcurrency, ms, shape));
    const cpu = process.cpuUsage(before);
    return { ...result, cpuUsPerCall: (cpu.user + cpu.system) / result.calls };
  };
  const report: Record<string, unknown> = {};
  const lines = [
    '| Client scenario | A: raw grpc-js calls/s | B: Switchboard calls/s | B/A | B/A per round (median, min–max) | p50 ms A / B | client CPU µs per call A / B (B/A) |',
    '|---|---:|---:|---:|---|---|---|',
  ];
  try {
    for (const scenario of options.scenarios.flatMap((name) => (name === 'stream' ? [name, FOR_AWAIT] : [name]))) {
      await drive(raw, scenario, options.warmupSeconds * 1000);
      await drive(ours, scenario, options.warmupSeconds * 1000);
      const a: (RoundResult & { cpuUsPerCall: number })[] = [];
      const b: (RoundResult & { cpuUsPerCall: number })[] = [];
      for (let round = 0; round < options.rounds; round++) {
        a.push(await drive(raw, scenario, options.seconds * 1000));
        b.push(await drive(ours, scenario, options.seconds * 1000));
        process.stderr.write(`  client ${scenario} round ${round + 1}: raw ${rate(a.at(-1)!)} calls/s, switchboard ${rate(b.at(-1)!)} calls/s\n`);
      }
      const ra = median(a.map(rate));
      const rb = median(b.map(rate));
      const paired = a.map((r, i) => rate(b[i]!) / rate(r));
      const p50 = (rs: RoundResult[]) => median(rs.map((r) => percentile(r.latenciesMs, 50)));
      const cpuA = median(a.map((r) => r.cpuUsPerCall));
      const cpuB = median(b.map((r) => r.cpuUsPerCall));
      lines.push(
        `| ${scenario} | ${ra.toFixed(0)} | ${rb.toFixed(0)} | **${(rb / ra).toFixed(3)}** | ${median(paired).toFixed(3)} (${Math.min(...paired).toFixed(3)}–${Math.max(...paired).toFixed(3)}) | ${p50(a).toFixed(2)} / ${p50(b).toFixed(2)} | ${cpuA.toFixed(1)} / ${cpuB.toFixed(1)} (${(cpuB / cpuA).toFixed(2)}) |`,
      );
      report[scenario] = { rawCallsPerSec: ra, switchboardCallsPerSec: rb, ratio: rb / ra, pairedRatios: paired, clientCpuUsPerCall: { raw: cpuA, switchboard: cpuB } };
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    report['interceptorCounts'] = clientCounts;
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, options, ...report }, null, 2)}\n`);
  } finally {
    raw.close();
    ours.close();
    await server.stop();
  }
}

function rate(r: RoundResult): number {
  return r.calls / r.seconds;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
