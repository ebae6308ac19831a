import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readInt, readServerConfig } from './bench-options';
import { ABNORMAL, SoakClient, type CallKind, type Plan } from './soak-calls';
import { Tally, memoryTable, serverViewTable, type MemorySample } from './soak-report';
import { ServerProcess } from './server-process';

const RESULTS_FILE = path.join(__dirname, '../results/soak.json');
/** The deadline of every call that does not plan its own. */
const CALL_DEADLINE_MS = 10_000;
/** How long past its deadline a call may run before it counts as hung. */
const HANG_MARGIN_MS = 2_000;
/** How long the server gets, after the load, to finish the handlers of calls that ended. */
const SERVER_SETTLE_MS = 7_000;

/** The soak's shape; every field comes from a `SOAK_*` variable or its default. */
interface SoakOptions {
  /** `SOAK_UNARY_CALLS` (300000). */
  readonly unaryCalls: number;
  /** `SOAK_STREAM_MESSAGES` (50000): messages over server streams and bidi calls, half each. */
  readonly streamMessages: number;
  /** `SOAK_ABNORMAL_PERCENT` (20): calls of each kind that end abnormally, spread evenly. */
  readonly abnormalPercent: number;
  /** `SOAK_UNARY_CONCURRENCY` (64) and `SOAK_STREAM_CONCURRENCY` (8): calls in flight, both at once. */
  readonly unaryConcurrency: number;
  readonly streamConcurrency: number;
  /** `SOAK_ENDINGS` (all): the abnormal endings that take turns, comma-separated. */
  readonly endings: readonly Plan[];
  /** `SOAK_SLICES` (10): the load runs in slices, memory sampled after each; the first is the warm-up. */
  readonly slices: number;
  /** `BENCH_SERVER_CONFIG`, as for the bench. */
  readonly serverConfig: Readonly<Record<string, unknown>>;
}

function readSoakOptions(env: NodeJS.ProcessEnv = process.env): SoakOptions {
  return {
    unaryCalls: readInt(env, 'SOAK_UNARY_CALLS', 300_000, 0, 100_000_000),
    streamMessages: readInt(env, 'SOAK_STREAM_MESSAGES', 50_000, 0, 100_000_000),
    abnormalPercent: readInt(env, 'SOAK_ABNORMAL_PERCENT', 20, 0, 100),
    unaryConcurrency: readInt(env, 'SOAK_UNARY_CONCURRENCY', 64, 1, 1000),
    streamConcurrency: readInt(env, 'SOAK_STREAM_CONCURRENCY', 8, 1, 1000),
    endings: readEndings(env['SOAK_ENDINGS']),
    slices: readInt(env, 'SOAK_SLICES', 10, 2, 1000),
    serverConfig: readServerConfig(env),
  };
}

function readEndings(raw: string | undefined): Plan[] {
  if (raw === undefined || raw.trim() === '') return [...ABNORMAL];
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(ABNORMAL as readonly string[]).includes(name)) throw new Error(`SOAK_ENDINGS: unknown ending '${name}' (known: ${ABNORMAL.join(', ')})`);
  }
  return names as Plan[];
}

/** The plan of the `index`-th call of a kind: `percent` of them abnormal, evenly spread, the abnormal `endings` taking turns. */
function planOf(index: number, percent: number, endings: readonly Plan[]): Plan {
  const before = Math.floor((index * percent) / 100);
  return Math.floor(((index + 1) * percent) / 100) > before ? endings[before % endings.length]! : 'ok';
}

function clientMemory(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

/** Where the load has got to, across slices. */
interface Progress {
  unary: number;
  streams: number;
  streamMessages: number;
}

/** Runs the load up to `slice`'s share: unary callers and stream callers at once, until both shares are done or the server is gone. */
async function loadSlice(slice: number, options: SoakOptions, client: SoakClient, server: ServerProcess, tally: Tally, at: Progress): Promise<void> {
  const unaryTarget = Math.round((options.unaryCalls * slice) / options.slices);
  const messageTarget = Math.round((options.streamMessages * slice) / options.slices);
  const unaryCaller = async (): Promise<void> => {
    while (at.unary < unaryTarget && server.exitStatus === undefined) {
      const index = at.unary++;
      const plan = planOf(index, options.abnormalPercent, options.endings);
      tally.add('unary', plan, await client.run('unary', plan, index));
    }
  };
  // Server streams and bidi calls alternate; each kind takes the plans in turn.
  const streamCaller = async (): Promise<void> => {
    while (at.streamMessages < messageTarget && server.exitStatus === undefined) {
      const index = at.streams++;
      const kind: CallKind = index % 2 === 0 ? 'server-stream' : 'bidi';
      const plan = planOf(index >> 1, options.abnormalPercent, options.endings);
      const outcome = await client.run(kind, plan, index >> 1);
      at.streamMessages += outcome.messages;
      tally.add(kind, plan, outcome);
    }
  };
  await Promise.all([...Array.from({ length: options.unaryConcurrency }, unaryCaller), ...Array.from({ length: options.streamConcurrency }, streamCaller)]);
}

/** The server's stats once it holds no call, or after `SERVER_SETTLE_MS`; empty if it is gone. */
async function settledStats(server: ServerProcess): Promise<Record<string, number>> {
  const until = performance.now() + SERVER_SETTLE_MS;
  for (;;) {
    if (server.exitStatus !== undefined) return {};
    const stats = await server.stats();
    if ((stats['inFlight'] ?? 0) === 0 || performance.now() >= until) return stats;
    await sleep(100);
  }
}

/**
 * The soak: one Switchboard server in a child process and a Switchboard
 * client here, unary calls and streams at once, a share of them ending
 * abnormally (cancelled, past their deadline, born past it, failed by the
 * handler). Prints memory and final statuses; exits non-zero if the server
 * died, a call ended with a code its plan does not produce or hung past its
 * deadline, or the server still holds calls after the load.
 */
async function main(): Promise<void> {
  const options = readSoakOptions();
  if ((globalThis as { gc?: unknown }).gc === undefined) process.stderr.write('soak: run node with --expose-gc for heap figures after a full GC\n');
  const server = await ServerProcess.start('soak', { execArgv: ['--expose-gc'], config: options.serverConfig });
  const client = new SoakClient(server.port, CALL_DEADLINE_MS, HANG_MARGIN_MS);
  const tally = new Tally();
  const samples: MemorySample[] = [];
  const sample = async (label: string): Promise<void> => {
    samples.push({ label, calls: tally.total, server: await server.memory(), client: clientMemory() });
  };
  const started = performance.now();
  const at: Progress = { unary: 0, streams: 0, streamMessages: 0 };
  const failures: string[] = [];
  try {
    await sample('start');
    for (let slice = 1; slice <= options.slices && server.exitStatus === undefined; slice++) {
      await loadSlice(slice, options, client, server, tally, at);
      if (server.exitStatus !== undefined) break;
      await sample(slice === 1 ? 'warm-up (slice 1)' : `slice ${slice}`);
      process.stderr.write(
        `soak: slice ${slice}/${options.slices}: ${at.unary} unary calls, ${at.streamMessages} stream messages, ` +
          `${tally.problems} not as planned; ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const stats = await settledStats(server);
    if (server.exitStatus === undefined) await sample('end');

    if (server.exitStatus !== undefined) failures.push(`the server process died (${server.exitStatus})`);
    if (tally.problems > 0)
      failures.push(`${tally.problems} calls did not end as planned (${tally.hung} of them hung):\n  ${tally.problemList().join('\n  ')}`);
    if ((stats['inFlight'] ?? 0) > 0) failures.push(`the server still holds ${stats['inFlight']} calls ${SERVER_SETTLE_MS} ms after the load`);

    const report = [
      `Soak: ${tally.calls.unary} unary calls and ${at.streamMessages} streamed messages ` +
        `(${tally.calls['server-stream']} server streams, ${tally.calls.bidi} bidi calls), ${options.abnormalPercent} % ending abnormally; ` +
        `${options.unaryConcurrency} unary and ${options.streamConcurrency} streaming calls in flight; ${seconds.toFixed(0)} s` +
        (options.endings.length === ABNORMAL.length ? '' : ` (abnormal endings: ${options.endings.join(', ')})`),
      '',
      memoryTable(samples),
      '',
      tally.tables(),
      '',
      serverViewTable(stats),
      '',
      `Server: ${stats['logLines'] ?? '?'} error log lines (one per plain Error thrown), ${stats['inFlight'] ?? '?'} calls in flight after the load`,
      `Checks: server ${server.exitStatus === undefined ? 'alive' : `died (${server.exitStatus})`}; ${tally.problems} calls not as planned; ` +
        `${tally.hung} hung; ${stats['inFlight'] ?? '?'} calls left on the server → ${failures.length === 0 ? 'PASS' : 'FAIL'}`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
    const results = { date: new Date().toISOString(), node: process.version, cores: os.availableParallelism(), options, seconds, progress: at };
    const counts = { codes: Object.fromEntries(tally.codes), plans: Object.fromEntries(tally.plans), messages: tally.messages, serverStats: stats };
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...results, samples, ...counts, failures }, null, 2)}\n`);
  } finally {
    client.close();
    await server.stop();
  }
  if (failures.length > 0) {
    process.stderr.write(`soak: FAILED\n- ${failures.join('\n- ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
