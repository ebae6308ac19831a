import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBenchOptions, serverConfigLine, type BenchOptions } from './bench-options';
import { LoadGenerator } from './load-generator';
import { markdownTable } from './markdown-table';
import { runScenario, type ScenarioResult, type Target } from './run-scenario';
import { ServerProcess } from './server-process';

const RESULTS_FILE = path.join(__dirname, '../results/latest.json');
const DISTURBED_PERCENT = 15;

function profileArgs(options: BenchOptions): string[] {
  return options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfDir)}`];
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cores: os.availableParallelism(),
    cpu: cpus[0]?.model ?? 'unknown',
    loadAverage: os.loadavg(),
  };
}

/**
 * Benchmarks a raw grpc-js server (A) against a Switchboard server with three
 * global interceptors (B), each in a child process, from a load generator in
 * this one; prints a markdown table and writes `results/latest.json`.
 */
async function main(): Promise<void> {
  const options = readBenchOptions();
  const before = machine();
  process.stderr.write(
    `bench: ${options.scenarios.join(', ')}; ${options.rounds} rounds of ${options.seconds} s per server ` +
      `after ${options.warmupSeconds} s warm-up; node ${process.version}, ${os.availableParallelism()} cores; ${serverConfigLine(options)}\n`,
  );
  const servers: ServerProcess[] = [];
  const loads: LoadGenerator[] = [];
  try {
    const [rawServer, sbServer] = await Promise.all([
      ServerProcess.start('raw', { execArgv: profileArgs(options) }),
      ServerProcess.start('switchboard', { execArgv: profileArgs(options), config: options.serverConfig }),
    ]);
    servers.push(rawServer, sbServer);
    const raw: Target = { server: rawServer, load: new LoadGenerator(rawServer.port, options.channels) };
    const switchboard: Target = { server: sbServer, load: new LoadGenerator(sbServer.port, options.channels) };
    loads.push(raw.load, switchboard.load);

    const results: ScenarioResult[] = [];
    for (const name of options.scenarios) results.push(await runScenario(name, raw, switchboard, options));
    const interceptorStats = await sbServer.stats();

    const disturbed = results.flatMap((r) => r.rounds).filter((r) => r.otherCpuPercent > DISTURBED_PERCENT).length;
    if (disturbed > 0) {
      process.stderr.write(`bench: warning: other processes used over ${DISTURBED_PERCENT} % of a core in ${disturbed} rounds; those figures are skewed\n`);
    }
    const table = markdownTable(results);
    process.stdout.write(`${table}\n${serverConfigLine(options)}\n`);
    const report = {
      date: new Date().toISOString(),
      machine: before,
      loadAverageAfter: os.loadavg(),
      options,
      scenarios: results,
      switchboardInterceptors: interceptorStats,
    };
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`bench: wrote ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  } finally {
    for (const load of loads) load.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
