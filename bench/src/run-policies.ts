import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { POLICY_NAMES, installLb } from '@switchboard/lb';
import { benchProto, type BenchReply } from './bench-definition';
import { readBenchOptions } from './bench-options';
import { median, percentile } from './percentile';

const RESULTS_FILE = path.join(__dirname, '../results/policies.json');
const POLICIES = ['pick_first', 'round_robin', 'weighted_round_robin', 'least_request', 'p2c'] as const;
type Policy = (typeof POLICIES)[number];

type BenchCtor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions,
) => grpc.Client & {
  Unary(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, reply?: BenchReply) => void): void;
};
const pkg = grpc.loadPackageDefinition(benchProto.definition) as unknown as { switchboard: { bench: { Bench: BenchCtor & grpc.ServiceClientConstructor } } };

/** A raw grpc-js backend whose Unary answers after `delayMs` (0: at once) and counts its calls. */
async function backend(delayMs: number): Promise<{ address: string; calls: () => number; stop: () => void }> {
  let calls = 0;
  const server = new grpc.Server();
  server.addService(pkg.switchboard.bench.Bench.service, {
    Unary: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<object>) => {
      calls++;
      const reply = (): void => callback(null, { message: 'pong', index: 0 });
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    },
    ServerStream: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, calls: () => calls, stop: () => server.forceShutdown() };
}

function client(addresses: string[], policy: Policy): InstanceType<BenchCtor> {
  const name = (POLICY_NAMES as Record<string, string>)[policy] ?? policy;
  return new pkg.switchboard.bench.Bench(`static:///${addresses.join(',')}`, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [name]: {} }] }),
  });
}

/** Closed-loop unary load: `concurrency` callers for `ms`; per-call latencies. */
async function load(c: InstanceType<BenchCtor>, concurrency: number, ms: number): Promise<{ perSec: number; latencies: number[] }> {
  const latencies: number[] = [];
  const start = performance.now();
  const stopAt = start + ms;
  const caller = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => c.Unary({ message: 'ping' }, { deadline: Date.now() + 10_000 }, (e) => (e ? reject(e) : resolve())));
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return { perSec: latencies.length / ((performance.now() - start) / 1000), latencies };
}

/**
 * Per-call cost of each balancing policy against pick_first on the same three
 * backends (rounds alternating through the policies), then how one backend
 * ten times slower than the others shifts each policy's latency.
 */
async function main(): Promise<void> {
  installLb();
  const options = readBenchOptions();
  const ms = options.seconds * 1000;
  const concurrency = 32;
  const equal = await Promise.all([backend(0), backend(0), backend(0)]);
  const clients = new Map(
    POLICIES.map(
      (p) =>
        [
          p,
          client(
            equal.map((b) => b.address),
            p,
          ),
        ] as const,
    ),
  );
  const perSec = new Map<Policy, number[]>(POLICIES.map((p) => [p, []]));
  for (const policy of POLICIES) await load(clients.get(policy)!, concurrency, options.warmupSeconds * 1000);
  for (let round = 0; round < options.rounds; round++) {
    for (const policy of POLICIES) perSec.get(policy)!.push((await load(clients.get(policy)!, concurrency, ms)).perSec);
  }
  for (const c of clients.values()) c.close();
  for (const b of equal) b.stop();
  const base = median(perSec.get('pick_first')!);
  const lines = [
    '| Policy | calls/s (3 equal backends) | vs pick_first | p50 ms, one backend 10× slower | p99 ms | share of calls on the slow backend |',
    '|---|---:|---:|---:|---:|---:|',
  ];

  // One backend answers in 20 ms, the two others in 2 ms.
  const mixed = await Promise.all([backend(20), backend(2), backend(2)]);
  const report: Record<string, unknown> = {};
  for (const policy of POLICIES) {
    const c = client(
      mixed.map((b) => b.address),
      policy,
    );
    await load(c, concurrency, options.warmupSeconds * 1000);
    const before = mixed.map((b) => b.calls());
    const { latencies } = await load(c, concurrency, ms);
    const counts = mixed.map((b, i) => b.calls() - before[i]!);
    const slowShare = counts[0]! / counts.reduce((a, b) => a + b, 0);
    c.close();
    const rate = median(perSec.get(policy)!);
    const row = { callsPerSec: rate, ratioToPickFirst: rate / base, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), slowShare };
    report[policy] = row;
    lines.push(
      `| ${policy} | ${rate.toFixed(0)} | ${(rate / base).toFixed(3)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${(slowShare * 100).toFixed(0)} % |`,
    );
  }
  for (const b of mixed) b.stop();
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, concurrency, ...report }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
