import { Code, RpcError, SwitchboardError, type MethodDescriptor, type MethodKind } from '@switchboard/core';

/**
 * What goes wrong on a call, as a test asks for it. The parts combine in this
 * order: the delay, then `fail` or `cancelAfter` (not both).
 *
 * @example
 * const flaky: Fault = { times: 2, fail: new RpcError(Code.UNAVAILABLE, 'down', { details: [RetryInfo.create({ retry_delay: { seconds: 1 } })] }) };
 */
export interface Fault {
  /** Holds the call this long (ms) before it goes on; a server call's cancel or deadline ends the wait. */
  readonly delayMs?: number;
  /** Ends the call with this error (its code, message and google.rpc details) without running it. */
  readonly fail?: RpcError;
  /**
   * Ends the call with CANCELLED after this many messages have passed:
   * responses on a method that streams them (server-streaming, bidi),
   * requests on a client-streaming one; 0 cancels before any (the only
   * value a unary method takes).
   */
  readonly cancelAfter?: number;
  /** How many calls, from the first, the fault applies to; later calls go through untouched. Default: every call. */
  readonly times?: number;
}

/** A {@link Fault} on one served method, named by its path (`/helloworld.Greeter/SayHello`) or its descriptor. */
export interface MethodFault extends Fault {
  readonly method: string | MethodDescriptor;
}

/** A fault with its count of calls left. @internal */
export class ArmedFault {
  private left: number;

  constructor(
    readonly fault: Fault,
    readonly where: string,
    kind: MethodKind,
  ) {
    checkFault(fault, where, kind);
    this.left = fault.times ?? Infinity;
  }

  /** True if this call gets the fault (and counts it). */
  take(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
}

function checkFault(fault: Fault, where: string, kind: MethodKind): void {
  const problems: string[] = [];
  const count = (key: 'delayMs' | 'cancelAfter' | 'times', value: number | undefined): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) problems.push(`${key} must be a whole number >= 0, got ${String(value)}`);
  };
  count('delayMs', fault.delayMs);
  count('cancelAfter', fault.cancelAfter);
  count('times', fault.times);
  if (fault.fail !== undefined && !(fault.fail instanceof RpcError)) problems.push('fail must be an RpcError (new RpcError(code, message, { details }))');
  if (fault.fail !== undefined && fault.cancelAfter !== undefined) problems.push('fail and cancelAfter exclude each other');
  if (kind === 'unary' && fault.cancelAfter !== undefined && fault.cancelAfter > 0) {
    problems.push(`cancelAfter on a unary method can only be 0 (got ${fault.cancelAfter})`);
  }
  if (problems.length > 0) throw new SwitchboardError('SB_ERR_CONFIG', `invalid fault on ${where}: ${problems.join('; ')}`);
}

/** The error a `cancelAfter` fault ends a call with. @internal */
export function cancelledAfter(count: number): RpcError {
  return new RpcError(Code.CANCELLED, `cancelled by an injected fault after ${count} message${count === 1 ? '' : 's'}`);
}
