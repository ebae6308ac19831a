import type { ScenarioResult, ServerSummary } from './run-scenario';

const HEADER = [
  '| Scenario | Server | calls/s | messages/s | p50 ms | p99 ms | server CPU µs/call | server CPU % | client CPU % | other CPU % |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function row(scenario: string, server: string, s: ServerSummary): string {
  return `| ${scenario} | ${server} | ${fixed(s.callsPerSec, 0)} | ${fixed(s.messagesPerSec, 0)} | ${fixed(s.p50Ms, 2)} | ${fixed(s.p99Ms, 2)} | ${fixed(s.serverCpuUsPerCall, 1)} | ${fixed(s.serverCpuPercent, 0)} | ${fixed(s.clientCpuPercent, 0)} | ${fixed(s.otherCpuPercent, 0)} |`;
}

/**
 * The medians of every scenario as a markdown table, with a B/A row: the
 * throughput ratios (higher is better, 1 is parity) under calls/s and
 * messages/s, the latency ratios (lower is better) under p50 and p99, and the
 * CPU-per-call ratio (lower is better) under server CPU µs/call; then the
 * per-round ratios, A and B back to back.
 */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const lines = [...HEADER];
  for (const r of results) {
    const { label, raw: a, compared: b } = r;
    lines.push(row(label, 'A: raw grpc-js', a));
    lines.push(row(label, 'B: Switchboard', b));
    lines.push(
      `| ${label} | **B/A** | **${fixed(r.ratio.throughput, 3)}** | ${fixed(b.messagesPerSec / a.messagesPerSec, 3)} | ` +
        `${fixed(b.p50Ms / a.p50Ms, 2)} | ${fixed(b.p99Ms / a.p99Ms, 2)} | ${fixed(r.ratio.cpuPerCall, 2)} | | | |`,
    );
  }
  lines.push('');
  for (const r of results) {
    const p = r.ratio.pairedThroughput;
    lines.push(`${r.name}: B/A per round ${fixed(p.median, 3)} median (${fixed(p.min, 3)}–${fixed(p.max, 3)} over ${r.rounds.length / 2} rounds)`);
  }
  return lines.join('\n');
}
