import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Debian's nghttp2-client installs it here. */
export const H2LOAD = '/usr/bin/h2load';

/** What one h2load run did. */
export interface H2loadResult {
  /** Requests answered with HTTP 200 (h2load's "succeeded"): gRPC answers every call with 200, its status in the trailers. */
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
}

/** How {@link h2load} loads a server. */
export interface H2loadOptions {
  readonly port: number;
  /** The gRPC method path, e.g. `/helloworld.Greeter/SayHello`. */
  readonly path: string;
  /** The request body: one length-prefixed gRPC message. */
  readonly body: Buffer;
  readonly connections: number;
  /** Streams in flight on each connection. */
  readonly streams: number;
  readonly seconds: number;
  /** Untimed load first, on the same connections. */
  readonly warmupSeconds?: number;
}

/**
 * Runs h2load (nghttp2's HTTP/2 load generator, in C: it saturates a Node
 * server long before itself) as a closed loop of `connections` × `streams`
 * gRPC calls for `seconds`.
 */
export async function h2load(options: H2loadOptions): Promise<H2loadResult> {
  if (!fs.existsSync(H2LOAD)) throw new Error(`${H2LOAD} is missing: install Debian's nghttp2-client (apt-get install nghttp2-client); see bench/README.md`);
  const body = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-h2load-')), 'request.bin');
  fs.writeFileSync(body, options.body);
  const args = [
    `--duration=${options.seconds}`,
    ...(options.warmupSeconds ? [`--warm-up-time=${options.warmupSeconds}`] : []),
    `--clients=${options.connections}`,
    `--max-concurrent-streams=${options.streams}`,
    `--data=${body}`,
    '--header=content-type: application/grpc',
    '--header=te: trailers',
    `http://127.0.0.1:${options.port}${options.path}`,
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(H2LOAD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`h2load exited ${code}:\n${text}`))));
  });
  const line = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  if (!line) throw new Error(`no requests line in h2load's output:\n${out}`);
  return { succeeded: Number(line[1]), failed: Number(line[2]), errored: Number(line[3]) };
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU time (user + system) the processes `pids` have used so far, in microseconds, from /proc; a process that is gone counts 0. */
export function cpuMicrosOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command (which may hold spaces), from field 3 on: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / TICKS_PER_SECOND) * 1e6;
}
