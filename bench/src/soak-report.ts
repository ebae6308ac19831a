import type { CallKind, Outcome, Plan } from './soak-calls';

const KINDS: readonly CallKind[] = ['unary', 'server-stream', 'bidi'];
const MIB = 1024 * 1024;

/** Memory of both processes at one point of the soak. */
export interface MemorySample {
  readonly label: string;
  /** Calls completed by then, all kinds. */
  readonly calls: number;
  readonly server: NodeJS.MemoryUsage;
  readonly client: NodeJS.MemoryUsage;
}

/** Counts of outcomes by call kind: final codes, plans, streamed messages, and the calls that went wrong. */
export class Tally {
  readonly codes = new Map<string, Record<CallKind, number>>();
  readonly plans = new Map<Plan, Record<CallKind, number>>();
  readonly messages: Record<CallKind, number> = { unary: 0, 'server-stream': 0, bidi: 0 };
  readonly calls: Record<CallKind, number> = { unary: 0, 'server-stream': 0, bidi: 0 };
  /** Every call whose outcome was not what its plan must produce (HUNG included). */
  problems = 0;
  /** The problems, numbers left out so that alike ones count together: `unary planned ok: expected OK, got …` → calls. */
  readonly problemKinds = new Map<string, number>();

  add(kind: CallKind, plan: Plan, outcome: Outcome): void {
    bump(this.codes, outcome.code, kind);
    bump(this.plans, plan, kind);
    this.calls[kind]++;
    this.messages[kind] += outcome.messages;
    if (outcome.problem === undefined) return;
    this.problems++;
    const problem = `${kind} planned ${plan}: ${outcome.problem.replace(/\d+/g, 'N')}`;
    this.problemKinds.set(problem, (this.problemKinds.get(problem) ?? 0) + 1);
  }

  /** The problems by kind, most frequent first. */
  problemList(): string[] {
    return [...this.problemKinds].sort((a, b) => b[1] - a[1]).map(([problem, n]) => `${n} × ${problem}`);
  }

  get total(): number {
    return this.calls.unary + this.calls['server-stream'] + this.calls.bidi;
  }

  get hung(): number {
    const row = this.codes.get('HUNG');
    return row === undefined ? 0 : row.unary + row['server-stream'] + row.bidi;
  }

  /** Calls by final status code (rows) and kind (columns), then the same by planned ending. */
  tables(): string {
    const table = (title: string, rows: Map<string, Record<CallKind, number>>): string[] => [
      `| ${title} | unary | server stream | bidi | all |`,
      '|---|---:|---:|---:|---:|',
      ...[...rows].map(([name, n]) => `| ${name} | ${KINDS.map((k) => n[k]).join(' | ')} | ${KINDS.reduce((sum, k) => sum + n[k], 0)} |`),
      `| all | ${KINDS.map((k) => this.calls[k]).join(' | ')} | ${this.total} |`,
    ];
    return [...table('Final status', this.codes), '', ...table('Planned ending', this.plans)].join('\n');
  }
}

function bump<K>(map: Map<K, Record<CallKind, number>>, key: K, kind: CallKind): void {
  let row = map.get(key);
  if (row === undefined) {
    row = { unary: 0, 'server-stream': 0, bidi: 0 };
    map.set(key, row);
  }
  row[kind]++;
}

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);

/** RSS and heap of both processes at each sample, in MiB. */
export function memoryTable(samples: readonly MemorySample[]): string {
  return [
    '| After | calls | server RSS | server heap used | server heap total | client RSS | client heap used | client heap total |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...samples.map(
      (s) =>
        `| ${s.label} | ${s.calls} | ${mib(s.server.rss)} | ${mib(s.server.heapUsed)} | ${mib(s.server.heapTotal)} | ` +
        `${mib(s.client.rss)} | ${mib(s.client.heapUsed)} | ${mib(s.client.heapTotal)} |`,
    ),
  ].join('\n');
}

/**
 * The server interceptor's count of ended calls (`ended <method> <asked ending> <code>`
 * keys of the soak server's stats) as a table: what the server saw, beside what the client got.
 */
export function serverViewTable(stats: Readonly<Record<string, number>>): string {
  const rows = Object.entries(stats)
    .filter(([key]) => key.startsWith('ended '))
    .map(([key, n]) => [...key.slice('ended '.length).split(' '), String(n)])
    .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
  return ["| Method | ending asked | code seen by the server's interceptor | calls |", '|---|---|---|---:|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}
