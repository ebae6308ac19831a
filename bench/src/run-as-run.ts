import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '@switchboard/core';
import { readInt } from './bench-options';
import { cpuMicrosOf, h2load } from './h2load';
import { median } from './percentile';

const ROOT = path.resolve(__dirname, '../..');
/** What `npm start` runs. */
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');
const APPS = ['./apps/orders', './apps/greeter'];
const RESULTS_FILE = path.join(__dirname, '../results/as-run.json');
/** helloworld.HelloRequest { name: "world" }, one length-prefixed message. */
const HELLO = Buffer.from([0, 0, 0, 0, 7, 0x0a, 0x05, ...Buffer.from('world')]);
/** google.protobuf.StringValue { value: "" }: a search every order matches. */
const EVERYTHING = Buffer.from([0, 0, 0, 0, 0]);

type ServerName = 'raw' | 'switchboard';
type ScenarioName = 'unary' | 'stream';

/** A server under test: its own process, listening on 127.0.0.1. */
interface RunningServer {
  readonly name: ServerName;
  readonly port: number;
  readonly child: ChildProcess;
}

function launch(name: ServerName, execArgv: readonly string[]): Promise<RunningServer> {
  const script = name === 'raw' ? [path.join(__dirname, 'as-run-raw-server.js')] : [BIN, 'start', ...APPS];
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx turbo run build\` at the root first`);
  // As `npm start` runs it: from the root (no config/ there), on the defaults; PORT=0 picks a free port.
  const child = spawn(process.execPath, [...execArgv, ...script], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise<RunningServer>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} server exited ${code} before listening:\n${out}`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; address?: string })
        .find((l) => l.msg === 'listening');
      if (!ready?.address) return;
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ name, port: Number(ready.address.split(':').at(-1)), child });
    });
  });
}

async function stop(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Fills a server's order store to `total` orders (the app's 5 samples and generated ones) and checks that a search for "" streams them all. */
async function fillOrders(port: number, total: number): Promise<void> {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(ROOT, 'apps/orders/proto/order_management.proto'), PROTO_LOADER_OPTIONS));
  const OrderManagement = (loaded['ecommerce'] as grpc.GrpcObject)['OrderManagement'] as grpc.ServiceClientConstructor;
  const client = new OrderManagement(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    addOrder(order: object, callback: (error: grpc.ServiceError | null) => void): void;
    searchOrders(query: object): grpc.ClientReadableStream<unknown>;
  };
  try {
    for (let i = 5; i < total; i++) {
      const order = {
        id: String(1000 + i),
        items: [`Bench item ${i}`, 'Google Home Mini'],
        description: 'added by run-as-run',
        price: 10 + i,
        destination: 'San Jose, CA',
      };
      await new Promise<void>((resolve, reject) => client.addOrder(order, (error) => (error ? reject(error) : resolve())));
    }
    const found = await new Promise<number>((resolve, reject) => {
      let count = 0;
      const stream = client.searchOrders({ value: '' });
      stream.on('data', () => count++);
      stream.on('error', reject);
      stream.on('end', () => resolve(count));
    });
    if (found !== total) throw new Error(`searchOrders("") on port ${port} streamed ${found} orders, not ${total}`);
  } finally {
    client.close();
  }
}

interface Round {
  readonly scenario: ScenarioName;
  readonly server: ServerName;
  /** Calls/s for unary, streamed messages/s for the stream. */
  readonly perSecond: number;
  /** Server CPU (utime + stime from /proc) per call or per streamed message, µs. */
  readonly cpuMicrosPer: number;
}

/**
 * `npm start` as users run it (`switchboard start ./apps/orders ./apps/greeter`,
 * packages/cli/dist/bin.js, in its own process on the defaults) against a raw
 * grpc-js server of the same two methods (as-run-raw-server.ts), loaded by
 * h2load: unary `helloworld.Greeter/SayHello`, and
 * `ecommerce.OrderManagement/searchOrders`, the orders app's `async *`
 * handler, streaming every order of a store filled to BENCH_AS_RUN_ORDERS.
 * Timed rounds alternate the servers (raw first in even rounds, Switchboard
 * first in odd ones); prints the medians' ratios with server CPU per call
 * beside them and writes results/as-run.json. BENCH_CPU_PROF=DIR runs both
 * servers with --cpu-prof, into DIR/raw and DIR/switchboard (cpuprofile-top.js
 * summarises a profile).
 */
async function main(): Promise<void> {
  const env = process.env;
  const seconds = readInt(env, 'BENCH_SECONDS', 3, 1, 600);
  const rounds = readInt(env, 'BENCH_ROUNDS', 5, 1, 100);
  const warmupSeconds = readInt(env, 'BENCH_WARMUP_SECONDS', 2, 0, 600);
  const connections = readInt(env, 'BENCH_AS_RUN_CONNECTIONS', 4, 1, 1000);
  const streams = readInt(env, 'BENCH_AS_RUN_STREAMS', 16, 1, 1000);
  const orders = readInt(env, 'BENCH_AS_RUN_ORDERS', 100, 5, 100_000);
  const scenarios = (env['BENCH_AS_RUN_SCENARIOS'] ?? 'unary,stream').split(',').map((name): ScenarioName => {
    if (name !== 'unary' && name !== 'stream') throw new Error(`BENCH_AS_RUN_SCENARIOS: unknown '${name}' (known: unary, stream)`);
    return name;
  });
  const profDir = env['BENCH_CPU_PROF'];
  const profile = (name: ServerName) => (profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir, name)}`] : []);
  const servers = [await launch('raw', profile('raw')), await launch('switchboard', profile('switchboard'))];
  const results: Round[] = [];
  try {
    for (const s of servers) await fillOrders(s.port, orders);
    const load = (s: RunningServer, scenario: ScenarioName, secs: number, warm = 0) =>
      h2load({
        port: s.port,
        ...(scenario === 'unary'
          ? { path: '/helloworld.Greeter/SayHello', body: HELLO }
          : { path: '/ecommerce.OrderManagement/searchOrders', body: EVERYTHING }),
        connections,
        streams,
        seconds: secs,
        warmupSeconds: warm,
      });
    for (const scenario of scenarios) for (const s of servers) await load(s, scenario, 1, warmupSeconds);
    for (let round = 0; round < rounds; round++) {
      for (const scenario of scenarios) {
        for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
          const pid = s.child.pid!;
          const cpuBefore = cpuMicrosOf([pid]);
          const result = await load(s, scenario, seconds);
          const cpu = cpuMicrosOf([pid]) - cpuBefore;
          if (result.failed + result.errored > 0) throw new Error(`${s.name} ${scenario}: ${result.failed} failed and ${result.errored} errored calls`);
          const units = result.succeeded * (scenario === 'stream' ? orders : 1);
          results.push({ scenario, server: s.name, perSecond: units / seconds, cpuMicrosPer: cpu / units });
          process.stderr.write(`round ${round + 1} ${scenario} ${s.name}: ${Math.round(units / seconds)}/s, ${(cpu / units).toFixed(2)} µs CPU each\n`);
        }
      }
    }
  } finally {
    for (const s of servers) await stop(s);
  }
  const of = (scenario: ScenarioName, server: ServerName, key: 'perSecond' | 'cpuMicrosPer') =>
    median(results.filter((r) => r.scenario === scenario && r.server === server).map((r) => r[key]));
  const ratios = Object.fromEntries(
    scenarios.map((sc) => [
      sc,
      {
        throughput: of(sc, 'switchboard', 'perSecond') / of(sc, 'raw', 'perSecond'),
        cpuPer: of(sc, 'switchboard', 'cpuMicrosPer') / of(sc, 'raw', 'cpuMicrosPer'),
      },
    ]),
  ) as Record<ScenarioName, { throughput: number; cpuPer: number }>;
  const label = { unary: 'unary SayHello (calls/s)', stream: `searchOrders, async * (${orders} messages per call; messages/s)` };
  const row = (sc: ScenarioName) =>
    `| ${label[sc]} | ${Math.round(of(sc, 'raw', 'perSecond'))} | ${Math.round(of(sc, 'switchboard', 'perSecond'))} | **${ratios[sc].throughput.toFixed(2)}×** | ${of(sc, 'raw', 'cpuMicrosPer').toFixed(2)} | ${of(sc, 'switchboard', 'cpuMicrosPer').toFixed(2)} | ${ratios[sc].cpuPer.toFixed(2)}× |`;
  process.stdout.write(
    [
      `npm start (switchboard start ${APPS.join(' ')}) vs raw grpc-js; h2load ${connections} connections × ${streams} streams, ${rounds} alternating rounds of ${seconds} s (medians), ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
      '',
      '| load | raw grpc-js /s | npm start /s | npm start / raw | raw CPU µs each | npm start CPU µs each | CPU each, npm start / raw |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...scenarios.map(row),
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const options = { seconds, rounds, warmupSeconds, connections, streams, orders };
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cores: os.availableParallelism(),
    loadavg: os.loadavg(),
    options,
    ratios,
    rounds: results,
  };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
