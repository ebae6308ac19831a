import type { ScenarioResult, ServerSummary } from './run-scenario';

const HEADER = [
  '| Scenario | Server | calls/s | messages/s | p50 ms | p99 ms | server CPU µs/call | server CPU % | client CPU % | other CPU % |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function row(scenario: string, server: string, s: ServerSummary, latency: boolean): string {
  const p50 = latency ? fixed(s.p50Ms, 2) : '–';
  const p99 = latency ? fixed(s.p99Ms, 2) : '–';
  return `| ${scenario} | ${server} | ${fixed(s.callsPerSec, 0)} | ${fixed(s.messagesPerSec, 0)} | ${p50} | ${p99} | ${fixed(s.serverCpuUsPerCall, 1)} | ${fixed(s.serverCpuPercent, 0)} | ${fixed(s.clientCpuPercent, 0)} | ${fixed(s.otherCpuPercent, 0)} |`;
}

/**
 * The medians of every scenario as a markdown table, with a B/A row: the
 * throughput ratio (higher is better, 1 is parity) under calls/s and the
 * CPU-per-call ratio (lower is better) under server CPU µs/call; then the
 * per-round ratios, A and B back to back.
 */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const lines = [...HEADER];
  for (const r of results) {
    const label = `${r.name} (${r.concurrency} in flight)`;
    const latency = r.name === 'unary';
    lines.push(row(label, 'A: raw grpc-js', r.raw, latency));
    lines.push(row(label, 'B: Switchboard', r.compared, latency));
    lines.push(
      `| ${label} | **B/A** | **${fixed(r.ratio.throughput, 3)}** | ${fixed(r.compared.messagesPerSec / r.raw.messagesPerSec, 3)} | ` +
        `${latency ? fixed(r.compared.p50Ms / r.raw.p50Ms, 2) : '–'} | ${latency ? fixed(r.compared.p99Ms / r.raw.p99Ms, 2) : '–'} | ` +
        `${fixed(r.ratio.cpuPerCall, 2)} | | | |`,
    );
  }
  lines.push('');
  for (const r of results) {
    const p = r.ratio.pairedThroughput;
    lines.push(`${r.name}: B/A per round ${fixed(p.median, 3)} median (${fixed(p.min, 3)}–${fixed(p.max, 3)} over ${r.rounds.length / 2} rounds)`);
  }
  return lines.join('\n');
}
