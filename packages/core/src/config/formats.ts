import convict from 'convict';
import { codeName, parseCode } from '../rpc-error';
import { isHost, targetProblem } from './address';

/**
 * How an environment variable spells a value: `digits` a whole number written
 * only with 0-9; `decimal` digits with an optional fraction; `boolean` true or
 * false in any case; `list` comma-separated; `json` JSON; `text` as is. Text
 * that does not parse is kept as given, so that the error shows it.
 * @internal
 */
export type EnvSyntax = 'digits' | 'decimal' | 'boolean' | 'list' | 'json' | 'text';

/** A format: what it allows, and how the environment spells it. @internal */
export interface Format {
  readonly env: EnvSyntax;
  /** Why `value` is not allowed (what is), or undefined if it is. */
  readonly problem: (value: unknown) => string | undefined;
}

/** The longest delay Node's timers keep: a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

const integer = (min: number, max: number, allowed: string): Format => ({
  env: 'digits',
  problem: (v) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : allowed),
});

const duration = (min: number, max = MAX_TIMER_MS, why = ''): Format => integer(min, max, `must be a whole number of milliseconds from ${min} to ${max}${why}`);

const typed = (env: EnvSyntax, ok: (v: unknown) => boolean, allowed: string): Format => ({ env, problem: (v) => (ok(v) ? undefined : allowed) });

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const STATUS_NAMES = Array.from({ length: 17 }, (_, code) => codeName(code));

/**
 * Every format a Switchboard schema may name. None converts a value from a
 * file: `"health": "no"` and `"port": "50051"` are errors, not true and 50051.
 * Only environment variables, which are text, are parsed (see {@link EnvSyntax}).
 */
const FORMATS: Record<string, Format> = {
  '*': { env: 'text', problem: () => undefined },
  boolean: typed('boolean', (v) => typeof v === 'boolean', 'must be true or false (a JSON boolean, not a string)'),
  'optional-boolean': typed('boolean', (v) => v === null || typeof v === 'boolean', 'must be true, false or null (inherit)'),
  string: typed('text', (v) => typeof v === 'string', 'must be a string'),
  number: typed('decimal', (v) => typeof v === 'number' && Number.isFinite(v), 'must be a number'),
  array: typed('list', Array.isArray, 'must be an array'),
  object: typed('json', isPlainObject, 'must be an object'),
  regexp: typed('text', (v) => v instanceof RegExp, 'must be a regular expression'),
  int: integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'must be an integer'),
  integer: integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'must be an integer'),
  nat: integer(0, Number.MAX_SAFE_INTEGER, 'must be an integer of 0 or more'),
  'non-negative-int': integer(0, Number.MAX_SAFE_INTEGER, 'must be an integer of 0 or more'),
  'positive-int': integer(1, Number.MAX_SAFE_INTEGER, 'must be an integer of 1 or more'),
  // HTTP/2 settings are 32-bit (RFC 9113 §6.5.1).
  'http2-setting': integer(1, UINT32_MAX, `must be an integer from 1 to ${UINT32_MAX} (an HTTP/2 setting)`),
  port: integer(0, 65535, 'must be a port: an integer from 0 to 65535 (0 picks a free one)'),
  attempts: integer(0, 5, 'must be an integer from 0 to 5'),
  duration: duration(0),
  'positive-duration': duration(1),
  // grpc-go raises a server keepalive time under 1 s to 1 s (keepalive.ServerParameters).
  'keepalive-time': duration(1000, MAX_TIMER_MS, ' (grpc-go raises a server keepalive time under 1 s to 1 s)'),
  'keepalive-timeout': duration(1000, MAX_TIMER_MS, ' (a shorter wait for a ping answer cuts connections that are only slow)'),
  // grpc-go raises a client keepalive time under 10 s to 10 s (keepalive.ClientParameters).
  'client-keepalive-time': duration(10_000, MAX_TIMER_MS, ' (grpc-go raises a client keepalive time under 10 s to 10 s)'),
  // grpc-js adds up to +10 % jitter to the age before it arms a timer.
  'connection-age': duration(0, Math.floor(MAX_TIMER_MS / 1.1), ' (with up to 10 % jitter added, it must still fit a timer)'),
  multiplier: typed('decimal', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'must be a number above 0'),
  fraction: typed('decimal', (v) => typeof v === 'number' && v >= 0 && v <= 1, 'must be a number from 0 to 1'),
  host: typed('text', isHost, 'must be an IP address or a host name, without a port'),
  names: {
    env: 'list',
    problem: (v) => (Array.isArray(v) && v.every((n) => typeof n === 'string' && /^\S+$/.test(n)) ? undefined : 'must be a list of names (non-empty strings)'),
  },
  'grpc-target': { env: 'text', problem: targetProblem },
  'status-codes': {
    env: 'list',
    problem(value) {
      if (!Array.isArray(value)) return `must be a list of status code names (${STATUS_NAMES.join(', ')})`;
      const bad = value.filter((c) => typeof c !== 'string' || parseCode(c) === undefined || /^\d+$/.test(c));
      if (bad.length === 0) return undefined;
      return `${JSON.stringify(bad)} ${bad.length === 1 ? 'is not a' : 'are not'} status code name; allowed: ${STATUS_NAMES.join(', ')}`;
    },
  },
  'metadata-map': { env: 'json', problem: metadataProblem },
};

function metadataProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'must be an object of header: value';
  for (const [k, v] of Object.entries(value)) {
    if (!/^[0-9a-z_.-]+$/.test(k) || k.startsWith('grpc-')) return `'${k}' is not a valid metadata key (lowercase, 0-9 a-z _ . -, not grpc-*)`;
    if (k.endsWith('-bin')) return `'${k}': binary metadata cannot be configured as text`;
    // grpc-js refuses other characters in a text value when the call is made.
    if (typeof v !== 'string' || !/^[ -~]*$/.test(v)) return `'${k}' must have a string value of printable ASCII`;
  }
  return undefined;
}

/** The names convict converts strings for when it reads a file or a variable; each is given a converter that does not. */
const CONVICT_COERCED = ['port', 'nat', 'integer', 'int', 'number', 'boolean', 'array', 'object', 'regexp'];

let added = false;

/** Adds Switchboard's formats to convict once, and turns off convict's own conversions. @internal */
export function addFormats(): void {
  if (added) return;
  added = true;
  for (const [name, format] of Object.entries(FORMATS)) {
    const validate = (value: unknown): void => {
      const problem = format.problem(value);
      if (problem !== undefined) throw new Error(problem);
    };
    convict.addFormat({ name, validate, coerce: CONVICT_COERCED.includes(name) ? (v: unknown) => v : undefined });
  }
}

const BUILT_INS = new Map<unknown, string>([
  [Boolean, 'boolean'],
  [String, 'string'],
  [Number, 'number'],
  [Array, 'array'],
  [Object, 'object'],
  [RegExp, 'regexp'],
  ['Boolean', 'boolean'],
  ['String', 'string'],
  ['Number', 'number'],
  ['Array', 'array'],
  ['Object', 'object'],
  ['RegExp', 'regexp'],
]);

/** The environment syntax of a value like `example`: what a key without a known format is read as. */
function envSyntaxOf(example: unknown): EnvSyntax {
  if (typeof example === 'boolean') return 'boolean';
  if (typeof example === 'number') return 'decimal';
  if (Array.isArray(example)) return 'list';
  return isPlainObject(example) ? 'json' : 'text';
}

/**
 * The format of a schema key: a name above, a built-in constructor, a list of
 * allowed values, or a function that throws; with no format, the type of the
 * default. A name that is not above makes every value a problem that says so.
 * @internal
 */
export function formatOf(node: { format?: unknown; default?: unknown }): Format {
  const { format } = node;
  const name = BUILT_INS.get(format) ?? format;
  if (typeof name === 'string') {
    const wrong = `the schema names format '${name}', which is not one of Switchboard's (${Object.keys(FORMATS).join(', ')})`;
    return FORMATS[name] ?? { env: 'text', problem: () => wrong };
  }
  if (Array.isArray(name)) {
    const allowed = `must be one of the possible values: ${JSON.stringify(name)}`;
    return { env: name.every((v) => typeof v === 'string') ? 'text' : 'json', problem: (v) => (name.includes(v) ? undefined : allowed) };
  }
  if (typeof name === 'function') {
    const check = name as (value: unknown) => void;
    return {
      env: envSyntaxOf(node.default),
      problem(v) {
        try {
          check(v);
          return undefined;
        } catch (error) {
          return error instanceof Error ? error.message : String(error);
        }
      },
    };
  }
  const type = Object.prototype.toString.call(node.default);
  return typed(envSyntaxOf(node.default), (v) => Object.prototype.toString.call(v) === type, `must be of type ${type.slice(8, -1)}`);
}

/**
 * The value an environment variable's text stands for in `syntax`; the text
 * itself when it does not parse, so that validation reports it as given.
 * Whole numbers are digits only: "51005abc", "0x10", "1e3", "-5" and " 80" stay text.
 * @internal
 */
export function fromEnv(text: string, syntax: EnvSyntax): unknown {
  switch (syntax) {
    case 'digits':
      return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
    case 'decimal':
      return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    case 'boolean':
      return /^(true|false)$/i.test(text) ? text.toLowerCase() === 'true' : text;
    case 'list':
      return text.trim() === '' ? [] : text.split(',').map((s) => s.trim());
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    case 'text':
      return text;
  }
}

export { allowTargetScheme } from './address';
