import { UsageError } from '../command';

/**
 * Kubernetes resource quantities, as far as `switchboard deploy k8s` needs
 * them: a per-worker amount given on the command line, multiplied by the
 * number of workers. Only the common forms are accepted; anything else is a
 * message naming the flag, the value and the forms allowed.
 */

/** A CPU amount (`500m`, `1`, `1.5`) times `count`, in the shortest exact form. */
export function scaleCpu(flag: string, value: string, count: number): string {
  const milli = /^(\d+)m$/.exec(value);
  const cores = /^(\d+)(?:\.(\d{1,3}))?$/.exec(value);
  let millicores: number;
  if (milli) millicores = Number(milli[1]);
  else if (cores) millicores = Number(cores[1]) * 1000 + Number((cores[2] ?? '').padEnd(3, '0'));
  else throw new UsageError(`${flag} '${value}' is not a CPU amount (allowed: millicores such as 500m, or cores such as 1 or 1.5)`);
  if (millicores === 0) throw new UsageError(`${flag} '${value}' must be more than 0`);
  const total = millicores * count;
  if (!Number.isSafeInteger(total)) throw new UsageError(`${flag} '${value}' is too large (times ${count} workers: more than ${Number.MAX_SAFE_INTEGER}m)`);
  return total % 1000 === 0 ? String(total / 1000) : `${total}m`;
}

/** A memory amount (`256Mi`, `1Gi`, `512000000`) times `count`, in the unit it was given in. */
export function scaleMemory(flag: string, value: string, count: number): string {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new UsageError(`${flag} '${value}' is not a memory amount (allowed: a whole number of bytes, or with Ki, Mi, Gi or Ti, such as 256Mi)`);
  const amount = Number(match[1]);
  if (amount === 0) throw new UsageError(`${flag} '${value}' must be more than 0`);
  if (!Number.isSafeInteger(amount * count)) {
    throw new UsageError(`${flag} '${value}' is too large (times ${count} workers: more than ${Number.MAX_SAFE_INTEGER}${match[2] ?? ''}); use a larger unit`);
  }
  return `${amount * count}${match[2] ?? ''}`;
}
