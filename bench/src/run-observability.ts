import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBenchOptions, type BenchOptions, type ScenarioName } from './bench-options';
import { LoadGenerator } from './load-generator';
import { runScenario, type ScenarioResult, type Target } from './run-scenario';
import { ServerProcess } from './server-process';
import { startTraceSink, tracingVariants } from './tracing-scenario';

const RESULTS_FILE = path.join(__dirname, '../results/observability.json');

/** One way of running the same `startServer` server: config laid over no metrics and no access log. */
interface Variant {
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * What is measured without tracing, each against raw grpc-js in the same
 * run; the first is the baseline the others' cost is given over. Adding a
 * variant is a line. The tracing variants follow (they need the sink's address).
 */
const BASE_VARIANTS: readonly Variant[] = [
  { name: 'plain', config: {} },
  { name: 'metrics', config: { metrics: { enabled: true } } },
  { name: 'access log', config: { log: { access: { enabled: true } } } },
  { name: 'metrics + access log', config: { metrics: { enabled: true }, log: { access: { enabled: true } } } },
];

/** Unary and server stream unless `BENCH_SCENARIOS` names others. */
const DEFAULT_SCENARIOS: readonly ScenarioName[] = ['unary', 'stream'];

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const percent = (value: number): string => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %` : '–');

function profileArgs(options: BenchOptions): string[] {
  return options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfDir)}`];
}

/** One table row: the variant's ratios to raw, its CPU per call, and its cost over the baseline variant. */
function row(scenario: string, variant: string, r: ScenarioResult, baseline: ScenarioResult): string {
  const p = r.ratio.pairedThroughput;
  const calls = r.ratio.throughput / baseline.ratio.throughput - 1;
  const cpu = r.ratio.cpuPerCall / baseline.ratio.cpuPerCall - 1;
  return (
    `| ${scenario} | ${variant} | **${fixed(r.ratio.throughput, 3)}** | ${fixed(p.median, 3)} (${fixed(p.min, 3)}–${fixed(p.max, 3)}) | ` +
    `${fixed(r.ratio.cpuPerCall, 2)} | ${fixed(r.compared.serverCpuUsPerCall, 1)} (raw ${fixed(r.raw.serverCpuUsPerCall, 1)}) | ` +
    `${r === baseline ? '–' : `calls/s ${percent(calls)}, CPU/call ${percent(cpu)}`} |`
  );
}

/**
 * The cost of observability: the same `startServer` server with metrics,
 * access log, tracing and their combinations (BASE_VARIANTS, then tracingVariants) on and off,
 * each in its own process and each measured against raw grpc-js in
 * alternating rounds; prints one table and writes `results/observability.json`.
 */
async function main(): Promise<void> {
  const options = readBenchOptions();
  const sink = await startTraceSink();
  const VARIANTS: readonly Variant[] = [...BASE_VARIANTS, ...tracingVariants(sink.endpoint)];
  const scenarios = process.env['BENCH_SCENARIOS'] ? options.scenarios : DEFAULT_SCENARIOS;
  process.stderr.write(
    `bench:observability: ${VARIANTS.map((v) => v.name).join(', ')}; ${scenarios.join(', ')}; ${options.rounds} rounds of ${options.seconds} s; ` +
      `node ${process.version}, ${os.availableParallelism()} cores, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
  const execArgv = profileArgs(options);
  const servers = await Promise.all([
    ServerProcess.start('raw', { execArgv }),
    ...VARIANTS.map((v) => ServerProcess.start('observed', { execArgv, config: v.config })),
  ]);
  const targets: Target[] = servers.map((server) => ({ server, load: new LoadGenerator(server.port, options.channels) }));
  const [raw, ...observed] = targets as [Target, ...Target[]];
  try {
    const lines = [
      '| Scenario | Variant | calls/s over raw | per round (median, min–max) | server CPU/call over raw | server CPU µs/call | cost over plain |',
      '|---|---|---:|---|---:|---:|---|',
    ];
    const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, loadAverage: os.loadavg(), options, scenarios };
    for (const scenario of scenarios) {
      const results: ScenarioResult[] = [];
      for (const [i, variant] of VARIANTS.entries()) {
        process.stderr.write(`${scenario}, ${variant.name}:\n`);
        results.push(await runScenario(scenario, raw, observed[i]!, options));
      }
      const baseline = results[0]!;
      results.forEach((r, i) => lines.push(row(r.label, VARIANTS[i]!.name, r, baseline)));
      report[scenario] = Object.fromEntries(results.map((r, i) => [VARIANTS[i]!.name, { ratio: r.ratio, raw: r.raw, observed: r.compared }]));
    }
    report['traceExports'] = sink.stats();
    report['logLines'] = Object.fromEntries(await Promise.all(observed.map(async (t, i) => [VARIANTS[i]!.name, (await t.server.stats())['logLines']])));
    process.stdout.write(
      `${lines.join('\n')}\nload average after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`bench:observability: wrote ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  } finally {
    for (const t of targets) t.load.close();
    await Promise.all(servers.map((s) => s.stop()));
    await sink.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
