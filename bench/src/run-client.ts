import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBenchOptions, type BenchOptions, type ScenarioName } from './bench-options';
import { SwitchboardClientLoad, clientCounts } from './client-load';
import { LoadGenerator } from './load-generator';
import { median, percentile } from './percentile';
import { driveScenario, scenarioLabel, type RoundResult, type ScenarioLoad } from './scenario-load';
import { ServerProcess } from './server-process';

const RESULTS_FILE = path.join(__dirname, '../results/client.json');

/** A client scenario: each option scenario, and after `stream` the same streams with A reading them by `for await`. */
type ClientScenario = ScenarioName | typeof FOR_AWAIT;
const FOR_AWAIT = 'stream, A reading with for await';

/** A round with this process's CPU time (user + system, µs) per call: the client's cost, whatever the server did. */
type ClientRound = RoundResult & { cpuUsPerCall: number };

async function drive(load: ScenarioLoad, scenario: ClientScenario, options: BenchOptions, ms: number): Promise<ClientRound> {
  const before = process.cpuUsage();
  const result = await (scenario === FOR_AWAIT
    ? load instanceof LoadGenerator
      ? load.streamIterated(options.streamConcurrency, ms, { messages: options.streamMessages, bytes: options.messageBytes })
      : driveScenario('stream', load, options, ms)
    : driveScenario(scenario, load, options, ms));
  const cpu = process.cpuUsage(before);
  return { ...result, cpuUsPerCall: (cpu.user + cpu.system) / result.calls };
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** `a / b (b/a)` of one figure's medians. */
function pair(a: readonly ClientRound[], b: readonly ClientRound[], of: (r: ClientRound) => number, digits: number): string {
  const ma = median(a.map(of));
  const mb = median(b.map(of));
  return `${fixed(ma, digits)} / ${fixed(mb, digits)} (${fixed(mb / ma, 2)})`;
}

/**
 * Client throughput: the raw grpc-js client (A) and a Switchboard client with
 * two interceptors (B) against one raw grpc-js server in a child process,
 * rounds alternating A, B; prints the medians and B/A.
 */
async function main(): Promise<void> {
  const options = readBenchOptions();
  const server = await ServerProcess.start('raw');
  const raw = new LoadGenerator(server.port, options.channels);
  const ours = new SwitchboardClientLoad(server.port);
  const report: Record<string, unknown> = {};
  const lines = [
    '| Client scenario | A: raw grpc-js calls/s | B: Switchboard calls/s | B/A | B/A per round (median, min–max) | messages/s A / B (B/A) | p50 ms A / B (B/A) | p99 ms A / B (B/A) | client CPU µs per call A / B (B/A) |',
    '|---|---:|---:|---:|---|---|---|---|---|',
  ];
  try {
    for (const scenario of options.scenarios.flatMap((name): ClientScenario[] => (name === 'stream' ? [name, FOR_AWAIT] : [name]))) {
      await drive(raw, scenario, options, options.warmupSeconds * 1000);
      await drive(ours, scenario, options, options.warmupSeconds * 1000);
      const a: ClientRound[] = [];
      const b: ClientRound[] = [];
      for (let round = 0; round < options.rounds; round++) {
        a.push(await drive(raw, scenario, options, options.seconds * 1000));
        b.push(await drive(ours, scenario, options, options.seconds * 1000));
        process.stderr.write(
          `  client ${scenario} round ${round + 1}: raw ${rate(a.at(-1)!).toFixed(0)} calls/s, switchboard ${rate(b.at(-1)!).toFixed(0)} calls/s\n`,
        );
      }
      const ra = median(a.map(rate));
      const rb = median(b.map(rate));
      const paired = a.map((r, i) => rate(b[i]!) / rate(r));
      const label = scenario === FOR_AWAIT ? scenario : scenarioLabel(scenario, options);
      lines.push(
        `| ${label} | ${ra.toFixed(0)} | ${rb.toFixed(0)} | **${(rb / ra).toFixed(3)}** | ` +
          `${median(paired).toFixed(3)} (${Math.min(...paired).toFixed(3)}–${Math.max(...paired).toFixed(3)}) | ` +
          `${pair(a, b, (r) => r.messages / r.seconds, 0)} | ${pair(a, b, (r) => percentile(r.latenciesMs, 50), 2)} | ` +
          `${pair(a, b, (r) => percentile(r.latenciesMs, 99), 2)} | ${pair(a, b, (r) => r.cpuUsPerCall, 1)} |`,
      );
      const summary = (rs: ClientRound[]) => ({
        callsPerSec: median(rs.map(rate)),
        messagesPerSec: median(rs.map((r) => r.messages / r.seconds)),
        p50Ms: median(rs.map((r) => percentile(r.latenciesMs, 50))),
        p99Ms: median(rs.map((r) => percentile(r.latenciesMs, 99))),
        clientCpuUsPerCall: median(rs.map((r) => r.cpuUsPerCall)),
      });
      report[scenario] = { label, ratio: rb / ra, pairedRatios: paired, raw: summary(a), switchboard: summary(b) };
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
