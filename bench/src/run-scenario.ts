import * as os from 'node:os';
import type { ServerKind } from './bench-definition';
import type { BenchOptions, ScenarioName } from './bench-options';
import type { LoadGenerator } from './load-generator';
import { median, percentile } from './percentile';
import { driveScenario, scenarioLabel } from './scenario-load';
import type { ServerProcess } from './server-process';

/** One timed round against one server. */
export interface RoundRecord {
  readonly server: ServerKind;
  readonly round: number;
  readonly calls: number;
  readonly callsPerSec: number;
  readonly messagesPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU time per completed call. */
  readonly serverCpuUsPerCall: number;
  /** Server CPU time over wall time: near 100 means the server was the bottleneck. */
  readonly serverCpuPercent: number;
  /** Load generator CPU time over wall time: near 100 means the client was the bottleneck. */
  readonly clientCpuPercent: number;
  /** CPU used by everything else on the machine, in % of one core: high values mean a disturbed round. */
  readonly otherCpuPercent: number;
}

/** The medians over one server's rounds. */
export type ServerSummary = Omit<RoundRecord, 'server' | 'round' | 'calls'>;

/** A scenario's rounds, medians and compared-over-raw ratios (B/A; B is Switchboard, or nice-grpc in run-frameworks). */
export interface ScenarioResult {
  readonly name: ScenarioName;
  /** The scenario with its load: `bidi (8 in flight, 4 × 100 B each way)`. */
  readonly label: string;
  readonly rounds: readonly RoundRecord[];
  readonly raw: ServerSummary;
  readonly compared: ServerSummary;
  readonly ratio: {
    /** B/A of median calls/s: 1 is parity, 0.9 is 10 % fewer calls. */
    readonly throughput: number;
    /** B/A of calls/s within each round, A and B back to back: less hit by load elsewhere on the machine. */
    readonly pairedThroughput: { readonly median: number; readonly min: number; readonly max: number };
    /** B/A of median server CPU per call: 1.2 is 20 % more CPU per call. */
    readonly cpuPerCall: number;
  };
}

/** A server under test and the load generator aimed at it. */
export interface Target {
  readonly server: ServerProcess;
  readonly load: LoadGenerator;
}

function machineBusyMicros(): number {
  let ms = 0;
  for (const { times } of os.cpus()) ms += times.user + times.nice + times.sys + times.irq;
  return ms * 1000;
}

async function timedRound(name: ScenarioName, target: Target, options: BenchOptions, round: number): Promise<RoundRecord> {
  const cpu0 = await target.server.cpuMicros();
  const own0 = process.cpuUsage();
  const busy0 = machineBusyMicros();
  const result = await driveScenario(name, target.load, options, options.seconds * 1000);
  const busy = machineBusyMicros() - busy0;
  const own = process.cpuUsage(own0);
  const cpu = (await target.server.cpuMicros()) - cpu0;
  const other = Math.max(0, busy - cpu - own.user - own.system);
  return {
    server: target.server.kind,
    round,
    calls: result.calls,
    callsPerSec: result.calls / result.seconds,
    messagesPerSec: result.messages / result.seconds,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    serverCpuUsPerCall: cpu / result.calls,
    serverCpuPercent: cpu / 10_000 / result.seconds,
    clientCpuPercent: (own.user + own.system) / 10_000 / result.seconds,
    otherCpuPercent: other / 10_000 / result.seconds,
  };
}

function summarize(rounds: readonly RoundRecord[]): ServerSummary {
  const of = (key: keyof ServerSummary): number => median(rounds.map((r) => r[key]));
  return {
    callsPerSec: of('callsPerSec'),
    messagesPerSec: of('messagesPerSec'),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    serverCpuUsPerCall: of('serverCpuUsPerCall'),
    serverCpuPercent: of('serverCpuPercent'),
    clientCpuPercent: of('clientCpuPercent'),
    otherCpuPercent: of('otherCpuPercent'),
  };
}

/**
 * Warms both servers up, then runs `options.rounds` timed rounds on each,
 * alternating raw and the compared server so that drift on the machine hits both.
 */
export async function runScenario(name: ScenarioName, raw: Target, compared: Target, options: BenchOptions): Promise<ScenarioResult> {
  if (options.warmupSeconds > 0) {
    for (const target of [raw, compared]) await driveScenario(name, target.load, options, options.warmupSeconds * 1000);
  }
  const rounds: RoundRecord[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of [raw, compared]) {
      const record = await timedRound(name, target, options, round);
      rounds.push(record);
      process.stderr.write(
        `  ${name} round ${round} ${record.server.padEnd(11)} ${record.callsPerSec.toFixed(0)} calls/s, ` +
          `CPU server ${record.serverCpuPercent.toFixed(0)} % client ${record.clientCpuPercent.toFixed(0)} % other ${record.otherCpuPercent.toFixed(0)} %\n`,
      );
    }
  }
  const aRounds = rounds.filter((r) => r.server === raw.server.kind);
  const bRounds = rounds.filter((r) => r.server === compared.server.kind);
  const paired = bRounds.map((r, i) => r.callsPerSec / aRounds[i]!.callsPerSec);
  const a = summarize(aRounds);
  const b = summarize(bRounds);
  return {
    name,
    label: scenarioLabel(name, options),
    rounds,
    raw: a,
    compared: b,
    ratio: {
      throughput: b.callsPerSec / a.callsPerSec,
      pairedThroughput: { median: median(paired), min: Math.min(...paired), max: Math.max(...paired) },
      cpuPerCall: b.serverCpuUsPerCall / a.serverCpuUsPerCall,
    },
  };
}
