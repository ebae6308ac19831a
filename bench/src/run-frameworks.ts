import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBenchOptions } from './bench-options';
import { LoadGenerator } from './load-generator';
import { runScenario, type ScenarioResult, type Target } from './run-scenario';
import { ServerProcess } from './server-process';
import type { ServerKind } from './bench-definition';

const RESULTS_FILE = path.join(__dirname, '../results/frameworks.json');

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function cells(r: ScenarioResult): string {
  const p = r.ratio.pairedThroughput;
  return `**${fixed(r.ratio.throughput, 3)}** | ${fixed(p.median, 3)} (${fixed(p.min, 3)}–${fixed(p.max, 3)}) | ${fixed(r.ratio.cpuPerCall, 2)}`;
}

/**
 * Switchboard and nice-grpc, each against raw grpc-js in its own alternating
 * rounds (the same handlers; three interceptors or middlewares doing the same
 * work), so each framework's ratio to raw is measured the same way; prints
 * one table and writes `results/frameworks.json`.
 */
async function main(): Promise<void> {
  const options = readBenchOptions();
  const kinds: ServerKind[] = ['raw', 'switchboard', 'nice-grpc'];
  const servers = await Promise.all(kinds.map((kind) => ServerProcess.start(kind, { config: options.serverConfig })));
  const targets: Target[] = servers.map((server) => ({ server, load: new LoadGenerator(server.port, options.channels) }));
  const [raw, switchboard, nice] = targets as [Target, Target, Target];
  try {
    const lines = [
      '| Scenario | Switchboard/raw calls/s | per round (median, min–max) | server CPU per call | nice-grpc/raw calls/s | per round (median, min–max) | server CPU per call |',
      '|---|---:|---|---:|---:|---|---:|',
    ];
    const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, options };
    for (const name of options.scenarios) {
      const ours = await runScenario(name, raw, switchboard, options);
      const theirs = await runScenario(name, raw, nice, options);
      lines.push(`| ${name} | ${cells(ours)} | ${cells(theirs)} |`);
      report[name] = {
        switchboard: ours.ratio,
        niceGrpc: theirs.ratio,
        raw: [ours.raw, theirs.raw],
        switchboardSummary: ours.compared,
        niceGrpcSummary: theirs.compared,
      };
    }
    report['niceGrpcMiddlewares'] = await nice.server.stats();
    report['switchboardInterceptors'] = await switchboard.server.stats();
    process.stdout.write(`${lines.join('\n')}\n`);
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    for (const t of targets) t.load.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
