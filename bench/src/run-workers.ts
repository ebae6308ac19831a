import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readInt } from './bench-options';
import { cpuMicrosOf, h2load } from './h2load';
import { median } from './percentile';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');
const RESULTS_FILE = path.join(__dirname, '../results/workers.json');
/** helloworld.HelloRequest { name: "world" }, one length-prefixed message. */
const HELLO = Buffer.from([0, 0, 0, 0, 7, 0x0a, 0x05, ...Buffer.from('world')]);

/** `switchboard start apps/greeter` as a user runs it, with `server.workers` = `workers`. */
interface Deployment {
  readonly workers: number;
  readonly port: number;
  /** The primary and every worker (or the one process with 1 worker). */
  readonly pids: readonly number[];
  readonly child: ChildProcess;
}

async function deploy(workers: number): Promise<Deployment> {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx turbo run build\` at the root first`);
  const child = spawn(process.execPath, [BIN, 'start', path.join(ROOT, 'apps/greeter')], {
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-workers-')),
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', WORKERS: String(workers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; address?: string; workerPid?: number });
  return new Promise<Deployment>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`switchboard start (workers ${workers}) exited ${code}:\n${out}`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = lines().find((l) => l.msg === (workers > 1 ? 'workers listening' : 'listening'));
      if (!ready?.address) return;
      const workerPids = lines().flatMap((l) => (l.msg === 'worker started' && l.workerPid !== undefined ? [l.workerPid] : []));
      resolve({ workers, port: Number(ready.address.split(':')[1]), pids: [child.pid!, ...workerPids], child });
    });
  });
}

async function stop(d: Deployment): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.removeAllListeners('exit');
  const exited = new Promise((resolve) => d.child.once('exit', resolve));
  d.child.kill('SIGTERM');
  await exited;
}

interface Round {
  readonly workers: number;
  readonly callsPerSecond: number;
  readonly cpuMicrosPerCall: number;
  /** Server CPU in % of one core. */
  readonly serverCpuPercent: number;
}

/**
 * `server.workers` 1 against 2: `switchboard start apps/greeter` twice, the
 * same h2load load (unary SayHello, connections × streams in flight) in
 * alternating timed rounds; prints calls/s and server CPU per call (the
 * primary and every worker) with the 2/1 ratios, and writes
 * `results/workers.json`.
 */
async function main(): Promise<void> {
  const env = process.env;
  const seconds = readInt(env, 'BENCH_SECONDS', 3, 1, 600);
  const rounds = readInt(env, 'BENCH_ROUNDS', 5, 1, 100);
  const warmupSeconds = readInt(env, 'BENCH_WARMUP_SECONDS', 2, 0, 600);
  const connections = readInt(env, 'BENCH_WORKERS_CONNECTIONS', 4, 1, 1000);
  const streams = readInt(env, 'BENCH_WORKERS_STREAMS', 16, 1, 1000);
  const deployments = [await deploy(1), await deploy(2)];
  const results: Round[] = [];
  try {
    const load = (d: Deployment, secs: number, warm = 0) =>
      h2load({ port: d.port, path: '/helloworld.Greeter/SayHello', body: HELLO, connections, streams, seconds: secs, warmupSeconds: warm });
    for (const d of deployments) await load(d, 1, warmupSeconds);
    for (let round = 0; round < rounds; round++) {
      for (const d of deployments) {
        const cpuBefore = cpuMicrosOf(d.pids);
        const began = process.hrtime.bigint();
        const result = await load(d, seconds);
        const elapsedMicros = Number(process.hrtime.bigint() - began) / 1e3;
        const cpu = cpuMicrosOf(d.pids) - cpuBefore;
        if (result.failed + result.errored > 0) throw new Error(`workers ${d.workers}: ${result.failed} failed and ${result.errored} errored calls`);
        results.push({
          workers: d.workers,
          callsPerSecond: result.succeeded / seconds,
          cpuMicrosPerCall: cpu / result.succeeded,
          serverCpuPercent: (cpu / elapsedMicros) * 100,
        });
        process.stderr.write(`round ${round + 1} workers ${d.workers}: ${Math.round(result.succeeded / seconds)} calls/s\n`);
      }
    }
  } finally {
    for (const d of deployments) await stop(d);
  }
  // Each round's 2-worker figure against the 1-worker one just before it: drift on the machine hits both.
  const paired = results.flatMap((r, i) => (r.workers === 2 && results[i - 1]?.workers === 1 ? [r.callsPerSecond / results[i - 1]!.callsPerSecond] : []));
  const of = (workers: number, key: keyof Round) => median(results.filter((r) => r.workers === workers).map((r) => r[key]));
  const ratio = { callsPerSecond: of(2, 'callsPerSecond') / of(1, 'callsPerSecond'), cpuPerCall: of(2, 'cpuMicrosPerCall') / of(1, 'cpuMicrosPerCall') };
  const row = (w: number) =>
    `| ${w} | ${Math.round(of(w, 'callsPerSecond'))} | ${of(w, 'cpuMicrosPerCall').toFixed(1)} | ${Math.round(of(w, 'serverCpuPercent'))} |`;
  process.stdout.write(
    [
      `unary SayHello, h2load ${connections} connections × ${streams} streams, ${rounds} rounds of ${seconds} s (medians), ${os.availableParallelism()} cores`,
      '',
      '| server.workers | calls/s | server CPU µs/call | server CPU % (of one core) |',
      '|---:|---:|---:|---:|',
      row(1),
      row(2),
      '',
      `2 workers / 1: **${ratio.callsPerSecond.toFixed(2)}×** calls/s (per round: median ${median(paired).toFixed(2)}, ` +
        `${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}), ${ratio.cpuPerCall.toFixed(2)}× server CPU per call`,
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const options = { seconds, rounds, warmupSeconds, connections, streams };
  const report = { date: new Date().toISOString(), node: process.version, cores: os.availableParallelism(), options, ratio, paired, rounds: results };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
