/** The scenarios the benchmark knows. */
export type ScenarioName = 'unary' | 'stream';

/** How a run is shaped; every field comes from a `BENCH_*` variable or its default. */
export interface BenchOptions {
  /** `BENCH_SECONDS` (3): length of one timed round. */
  readonly seconds: number;
  /** `BENCH_ROUNDS` (5): timed rounds per server and scenario, alternating A and B. */
  readonly rounds: number;
  /** `BENCH_WARMUP_SECONDS` (2): untimed load per server and scenario before the rounds. */
  readonly warmupSeconds: number;
  /** `BENCH_UNARY_CONCURRENCY` (64): unary calls in flight. */
  readonly unaryConcurrency: number;
  /** `BENCH_STREAM_CONCURRENCY` (8): server streams in flight. */
  readonly streamConcurrency: number;
  /** `BENCH_STREAM_MESSAGES` (100): replies per server stream. */
  readonly streamMessages: number;
  /** `BENCH_MESSAGE_BYTES` (100): payload bytes per stream reply. */
  readonly messageBytes: number;
  /** `BENCH_CHANNELS` (1): client connections per server. */
  readonly channels: number;
  /** `BENCH_SCENARIOS` (`unary,stream`). */
  readonly scenarios: readonly ScenarioName[];
  /** `BENCH_CPU_PROF`: a folder to write the server children's `--cpu-prof` profiles to. */
  readonly cpuProfDir: string | undefined;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return value;
}

function scenarios(raw: string | undefined): ScenarioName[] {
  const names = (raw ?? 'unary,stream').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (name !== 'unary' && name !== 'stream') throw new Error(`BENCH_SCENARIOS: unknown scenario '${name}' (known: unary, stream)`);
  }
  if (names.length === 0) throw new Error('BENCH_SCENARIOS names no scenario');
  return names as ScenarioName[];
}

/** Reads and checks the `BENCH_*` variables; a bad value is an error naming it. */
export function readBenchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return {
    seconds: int(env, 'BENCH_SECONDS', 3, 1, 60),
    rounds: int(env, 'BENCH_ROUNDS', 5, 1, 20),
    warmupSeconds: int(env, 'BENCH_WARMUP_SECONDS', 2, 0, 60),
    unaryConcurrency: int(env, 'BENCH_UNARY_CONCURRENCY', 64, 1, 1000),
    streamConcurrency: int(env, 'BENCH_STREAM_CONCURRENCY', 8, 1, 1000),
    streamMessages: int(env, 'BENCH_STREAM_MESSAGES', 100, 1, 10_000),
    messageBytes: int(env, 'BENCH_MESSAGE_BYTES', 100, 0, 65_536),
    channels: int(env, 'BENCH_CHANNELS', 1, 1, 16),
    scenarios: scenarios(env['BENCH_SCENARIOS']),
    cpuProfDir: env['BENCH_CPU_PROF'] || undefined,
  };
}
