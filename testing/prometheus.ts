import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';
import { until } from './until';

/** Where Debian's `prometheus` package puts the server. */
const PROMETHEUS = '/usr/bin/prometheus';

/** One sample of an instant vector from the HTTP API: its labels and value. */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** A running Prometheus server (Debian's), scraping the targets it was started with every second. */
export interface Prometheus {
  /** The instant vector of `promql`, evaluated now, through `GET /api/v1/query`. */
  query(promql: string): Promise<PromSample[]>;
  /**
   * Resolves once every target has been scraped successfully after this
   * call: a sample scraped then holds everything counted before it. Polls
   * `timestamp(up)` with `until()`; fails naming the targets' last errors.
   */
  scrapedAfterNow(ms?: number): Promise<void>;
  /** Kills the server and removes its data directory. */
  close(): Promise<void>;
}

/**
 * Starts Debian's `prometheus` (the binary, not the system service) on a free
 * 127.0.0.1 port, with a temporary data directory and a config that scrapes
 * `targets` (`host:port`, at `/metrics`) every second. Fails, naming the fix,
 * when the binary is missing.
 */
export async function startPrometheus(targets: readonly string[]): Promise<Prometheus> {
  if (!fs.existsSync(PROMETHEUS)) {
    throw new Error(`${PROMETHEUS} is missing: run scripts/install-test-deps.sh (it installs Debian's prometheus package)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: switchboard',
      `    static_configs: [{ targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `prometheus exited (${signal ?? code})\n${log}`));
  child.once('error', (error) => (exited = `prometheus failed to start: ${String(error)}`));

  const api = async (query: string): Promise<unknown> => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/${query}`);
    const body = (await response.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus answered ${query} with ${body.status}: ${body.error ?? ''}`);
    return body.data;
  };
  const query = async (promql: string): Promise<PromSample[]> => {
    const data = (await api(`query?query=${encodeURIComponent(promql)}`)) as { result: { metric: Record<string, string>; value: [number, string] }[] };
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };

  /** Polls `probe` with `until()`, one request at a time; holds once a result satisfies `done`. */
  const poll = async <T>(probe: () => Promise<T>, done: (result: T) => boolean, ms: number, what: () => string): Promise<void> => {
    let pending = false;
    let met = false;
    await until(
      () => {
        if (exited !== undefined) throw new Error(exited);
        if (!met && !pending) {
          pending = true;
          probe().then(
            (result) => {
              met = done(result);
              pending = false;
            },
            () => (pending = false),
          );
        }
        return met;
      },
      ms,
      what(),
    );
  };

  try {
    await poll(
      () => fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.status),
      (status) => status === 200,
      30_000,
      () => `prometheus ready on 127.0.0.1:${port}\n${log}`,
    );
  } catch (error) {
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    query,
    async scrapedAfterNow(ms = 30_000) {
      const now = Date.now() / 1000;
      let last: PromSample[] = [];
      // timestamp() of `up == 1`: when each target was last scraped successfully.
      await poll(
        async () => (last = await query('timestamp(up == 1)')),
        (scrapes) => scrapes.length === targets.length && scrapes.every((s) => s.value > now),
        ms,
        () => `a scrape of ${targets.join(', ')} after ${now}`,
      ).catch(async (error: unknown) => {
        const health = await api('targets').catch((e: unknown) => String(e));
        throw new Error(`${String(error)}; last successful scrapes ${JSON.stringify(last)}; targets ${JSON.stringify(health)}`);
      });
    },
    async close() {
      await stop(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills `child` (SIGKILL: its data is thrown away) and waits for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
