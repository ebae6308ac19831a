import { RpcError } from '@switchboard/core';
import { BASIC_CASES } from './basic-cases';
import { COMPRESSION_CASES } from './compression-cases';
import { explain, Unsupported, type CaseResult, type InteropCase } from './interop-case';
import { connectInterop, type InteropStubs } from './interop-clients';
import { LIFECYCLE_CASES } from './lifecycle-cases';
import { STATUS_CASES } from './status-cases';

const CASES = new Map<string, InteropCase>([...BASIC_CASES, ...LIFECYCLE_CASES, ...STATUS_CASES, ...COMPRESSION_CASES].map((c) => [c.name, c]));

/** Every case this client knows, in the order `all` runs them. */
export const CASE_NAMES: readonly string[] = [...CASES.keys()];

/** Runs one case on `stubs`; never throws: a failure is a FAIL result with its reason. */
export async function runInteropCase(name: string, stubs: InteropStubs): Promise<CaseResult> {
  const testCase = CASES.get(name);
  if (testCase === undefined) throw new Error(`unknown test case '${name}' (known: ${CASE_NAMES.join(', ')})`);
  const started = Date.now();
  const ms = (): number => Date.now() - started;
  try {
    const outcome = await testCase.run(stubs);
    if (outcome instanceof Unsupported) return { name, status: 'UNSUPPORTED', reason: outcome.reason, ms: ms() };
    return { name, status: 'PASS', ms: ms() };
  } catch (error) {
    const reason = error instanceof RpcError ? `unexpected ${explain(error)}` : error instanceof Error ? error.message : String(error);
    return { name, status: 'FAIL', reason, ms: ms() };
  }
}

/** Connects to `target` (`host:port`), runs `names` in order on one set of channels, and closes them. */
export async function runInteropCases(target: string, names: readonly string[]): Promise<CaseResult[]> {
  const connection = connectInterop(target);
  try {
    const results: CaseResult[] = [];
    for (const name of names) results.push(await runInteropCase(name, connection.stubs));
    return results;
  } finally {
    connection.close();
  }
}
