import { formatOf, fromEnv } from './formats';

type Tree = { [key: string]: unknown };

/** A schema node that declares one value. */
interface LeafNode {
  format?: unknown;
  default?: unknown;
  env?: unknown;
  nullable?: unknown;
  sensitive?: unknown;
}

/** A schema node that groups keys, rather than declaring a value. @internal */
export function isGroup(node: unknown): node is Tree {
  return typeof node === 'object' && node !== null && !('default' in node) && !('format' in node);
}

const isPlainObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The values environment variables give: one per key whose schema names an
 * `env` variable that is set, parsed by the key's format (see `fromEnv`).
 * @internal
 */
export function environmentValues(
  schema: Tree,
  env: Readonly<Record<string, string | undefined>>,
  prefix = '',
): { path: string; value: unknown; variable: string }[] {
  const found: { path: string; value: unknown; variable: string }[] = [];
  for (const [key, node] of Object.entries(schema)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isGroup(node)) {
      found.push(...environmentValues(node, env, path));
      continue;
    }
    const variable = (node as LeafNode | null)?.env;
    const text = typeof variable === 'string' ? env[variable] : undefined;
    if (text !== undefined) found.push({ path, value: fromEnv(text, formatOf(node as LeafNode).env), variable: variable as string });
  }
  return found;
}

/**
 * Every problem of `config` against `schema`, one line each: the path, what
 * is allowed there and the value given (falsy values too: 0, "", false), and
 * where it came from when `origins` knows.
 * @internal
 */
export function configProblems(schema: Tree, config: unknown, origins: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const from = (path: string): string => {
    const origin = origins.get(path) ?? [...origins].find(([key]) => key.startsWith(`${path}.`))?.[1];
    return origin === undefined ? '' : ` (from ${origin})`;
  };
  const walk = (group: Tree, value: unknown, prefix: string): void => {
    const keys = Object.keys(group);
    if (!isPlainObject(value)) {
      problems.push(`${prefix}: must be an object with the keys ${keys.join(', ')}: value was ${show(value)}${from(prefix)}`);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (key in group) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      const where = prefix ? `under '${prefix}'` : 'at the top level';
      problems.push(`${path}: unknown key (value ${show(child)}); allowed ${where}: ${keys.join(', ') || '(none)'}${from(path)}`);
    }
    for (const [key, node] of Object.entries(group)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isGroup(node)) walk(node, value[key], path);
      else {
        const problem = leafProblem(node as LeafNode, value[key]);
        if (problem !== undefined) {
          const shown = (node as LeafNode).sensitive === true ? '[sensitive]' : show(value[key]);
          problems.push(`${path}: ${problem}: value was ${shown}${from(path)}`);
        }
      }
    }
  };
  walk(schema, config, '');
  return problems;
}

function leafProblem(node: LeafNode, value: unknown): string | undefined {
  // As convict: a key without a default may stay unset, and a nullable one may be null.
  if ((value === undefined && node.default === undefined) || (node.nullable === true && value === null)) return undefined;
  return formatOf(node).problem(value);
}

/** A value as the user wrote it: JSON, with numbers as such (NaN too) and long values cut. */
function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
