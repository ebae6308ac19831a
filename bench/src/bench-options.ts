/** The scenarios the benchmark knows. */
export const SCENARIOS = ['unary', 'stream', 'client-stream', 'bidi'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

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
  /** `BENCH_STREAM_CONCURRENCY` (8): streaming calls in flight, of each streaming kind. */
  readonly streamConcurrency: number;
  /** `BENCH_STREAM_MESSAGES` (100): replies per server stream. */
  readonly streamMessages: number;
  /** `BENCH_MESSAGE_BYTES` (100): payload bytes per streamed message (stream replies, uploaded requests, bidi replies). */
  readonly messageBytes: number;
  /** `BENCH_UPLOAD_MESSAGES` (4): requests per client-stream and bidi call (a bidi call answers each before the next). */
  readonly uploadMessages: number;
  /** `BENCH_CHANNELS` (1): client connections per server. */
  readonly channels: number;
  /** `BENCH_SCENARIOS` (`unary,stream,client-stream,bidi`). */
  readonly scenarios: readonly ScenarioName[];
  /**
   * `BENCH_SERVER_CONFIG`: a JSON object over the Switchboard server's `server`
   * config section, e.g. `{"halfCloseSettleMs":0}`; empty for the defaults.
   */
  readonly serverConfig: Readonly<Record<string, unknown>>;
  /** `BENCH_CPU_PROF`: a folder to write the server children's `--cpu-prof` profiles to. */
  readonly cpuProfDir: string | undefined;
}

/** An integer variable from `min` to `max`, `fallback` when unset; anything else is an error naming it. */
export function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return value;
}

function scenarios(raw: string | undefined): ScenarioName[] {
  const names = (raw ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`BENCH_SCENARIOS: unknown scenario '${name}' (known: ${SCENARIOS.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('BENCH_SCENARIOS names no scenario');
  return names as ScenarioName[];
}

/** `BENCH_SERVER_CONFIG` as an object; the server's config loader checks its keys and values. */
export function readServerConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw = env['BENCH_SERVER_CONFIG'];
  if (raw === undefined || raw.trim() === '') return {};
  const wrong = `BENCH_SERVER_CONFIG must be a JSON object such as {"halfCloseSettleMs":0} (got '${raw}')`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new Error(wrong, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(wrong);
  return value as Record<string, unknown>;
}

/** Which config the Switchboard servers ran with: the defaults, or the defaults with `BENCH_SERVER_CONFIG` over them. */
export function serverConfigLine(options: BenchOptions): string {
  const config = options.serverConfig;
  return `Switchboard server config: defaults${Object.keys(config).length === 0 ? '' : ` with ${JSON.stringify(config)}`}`;
}

/** Reads and checks the `BENCH_*` variables; a bad value is an error naming it. */
export function readBenchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return {
    seconds: readInt(env, 'BENCH_SECONDS', 3, 1, 60),
    rounds: readInt(env, 'BENCH_ROUNDS', 5, 1, 20),
    warmupSeconds: readInt(env, 'BENCH_WARMUP_SECONDS', 2, 0, 60),
    unaryConcurrency: readInt(env, 'BENCH_UNARY_CONCURRENCY', 64, 1, 1000),
    streamConcurrency: readInt(env, 'BENCH_STREAM_CONCURRENCY', 8, 1, 1000),
    streamMessages: readInt(env, 'BENCH_STREAM_MESSAGES', 100, 1, 10_000),
    messageBytes: readInt(env, 'BENCH_MESSAGE_BYTES', 100, 0, 65_536),
    uploadMessages: readInt(env, 'BENCH_UPLOAD_MESSAGES', 4, 1, 10_000),
    channels: readInt(env, 'BENCH_CHANNELS', 1, 1, 16),
    scenarios: scenarios(env['BENCH_SCENARIOS']),
    serverConfig: readServerConfig(env),
    cpuProfDir: env['BENCH_CPU_PROF'] || undefined,
  };
}
