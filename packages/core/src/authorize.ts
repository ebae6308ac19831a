import type { CallContext } from './call-context';
import type { CallerIdentity } from './caller-identity';
import { observe, type ServerInterceptor } from './interceptor';
import { Code, RpcError } from './rpc-error';

const CLASS_RULES = Symbol('switchboard:class-authorize');
const METHOD_RULES = Symbol('switchboard:method-authorize');

type Newable = new (...args: never[]) => object;

/**
 * Who may call. Every condition given must hold; `@Authorize()` with none
 * admits any authenticated caller.
 */
export interface AuthorizeRule {
  /** The caller holds at least one of these names ({@link CallerIdentity.names}: `sub`, certificate CN or SAN). */
  readonly subjects?: readonly string[];
  /** The caller holds every one of these scopes (OAuth 2.0 `scope`). */
  readonly scopes?: readonly string[];
  /** The caller holds at least one of these roles. */
  readonly roles?: readonly string[];
  /**
   * A check of your own, after the others; `false` denies. It may be async
   * (a lookup): the call waits for it, and ends with DEADLINE_EXCEEDED or
   * CANCELLED if it ends first. Throwing an `RpcError` ends the call with it;
   * any other exception with INTERNAL.
   */
  readonly when?: (identity: CallerIdentity, ctx: CallContext) => boolean | Promise<boolean>;
}

/**
 * Guards every method of a service (on the class) or one method. The server
 * checks the caller before the handler runs, for all four call kinds: no
 * identity is UNAUTHENTICATED, an identity the rule does not admit is
 * PERMISSION_DENIED. A method guarded on its class and on itself must pass
 * both; a subclass keeps its parent's rules, on the methods it overrides
 * too. A call whose deadline has passed (or that was cancelled) is answered
 * with that, identity or not. With no auth source configured (`auth.jwt`, or
 * `server.tls.clientAuth` request or require) no call has an identity, so a
 * guarded method answers UNAUTHENTICATED to everyone.
 *
 * The guard runs after the global and module interceptors (so metrics and the
 * access log see its status) and before the service's and method's
 * `@UseInterceptors`: see {@link ServerInterceptor}.
 *
 * @example
 * \@Service(OrderAdmin)
 * \@Authorize({ scopes: ['orders:admin'] })
 * export class OrderAdminService {
 *   \@Authorize({ roles: ['support'], when: (id) => id.token !== undefined })
 *   async cancelOrder(id: StringValue__Output) { … }
 * }
 */
export function Authorize(rule: AuthorizeRule = {}) {
  return (target: object, method?: string | symbol): void => {
    if (method === undefined) {
      // A subclass keeps its parent's rules (a guard is not lost by extending a service) and adds its own.
      const existing = (Reflect.get(target, CLASS_RULES) as AuthorizeRule[] | undefined) ?? [];
      Reflect.defineProperty(target, CLASS_RULES, { value: [rule, ...existing], configurable: true });
      return;
    }
    const cls = (target as { constructor: object }).constructor;
    const map = new Map((Reflect.get(cls, METHOD_RULES) as Map<string | symbol, AuthorizeRule[]> | undefined) ?? []);
    map.set(method, [rule, ...(map.get(method) ?? [])]);
    Reflect.defineProperty(cls, METHOD_RULES, { value: map, configurable: true });
  };
}

/**
 * The guard of one handler, from its class's and its own `@Authorize`: one
 * interceptor, or none when the method is not guarded. @internal
 */
export function readAuthorization(cls: Newable, method: string): readonly ServerInterceptor[] {
  const own = (Reflect.get(cls, CLASS_RULES) as AuthorizeRule[] | undefined) ?? [];
  const methods = Reflect.get(cls, METHOD_RULES) as Map<string, AuthorizeRule[]> | undefined;
  const rules = [...own, ...(methods?.get(method) ?? [])];
  if (rules.length === 0) return [];
  return [
    observe({
      onStart: ({ ctx }) => {
        const ended = endedReason(ctx);
        if (ended !== undefined) throw ended;
        const identity = ctx.identity;
        if (identity === undefined) throw new RpcError(Code.UNAUTHENTICATED, `${ctx.method.path} needs an authenticated caller`);
        const pending: Promise<boolean>[] = [];
        for (const rule of rules) {
          const admitted = admits(rule, identity, ctx);
          if (admitted === false) throw denied(ctx);
          if (admitted !== true) pending.push(admitted);
        }
        if (pending.length === 0) return;
        return untilAborted(Promise.all(pending), ctx.signal).then((all) => {
          if (!all.every((admitted) => admitted)) throw denied(ctx);
        });
      },
    }),
  ];
}

function denied(ctx: CallContext): RpcError {
  return new RpcError(Code.PERMISSION_DENIED, `the caller may not call ${ctx.method.path}`);
}

function admits(rule: AuthorizeRule, identity: CallerIdentity, ctx: CallContext): boolean | Promise<boolean> {
  if (rule.subjects !== undefined && !rule.subjects.some((name) => identity.names.includes(name))) return false;
  if (rule.scopes !== undefined && !rule.scopes.every((scope) => identity.scopes.includes(scope))) return false;
  if (rule.roles !== undefined && !rule.roles.some((role) => identity.roles.includes(role))) return false;
  if (rule.when === undefined) return true;
  const verdict: unknown = rule.when(identity, ctx);
  if (verdict instanceof Promise) return verdict.then((value: unknown) => value === true);
  return verdict === true;
}

/** Why the call has already ended (DEADLINE_EXCEEDED on arrival, CANCELLED), if it has; read without building a signal when the context says. */
function endedReason(ctx: CallContext): Error | undefined {
  const server = ctx as CallContext & { readonly abortReason?: Error };
  if ('abortReason' in server) return server.abortReason;
  return ctx.signal.aborted ? (ctx.signal.reason as Error) : undefined;
}

/** `work`'s outcome, or the signal's reason as soon as it aborts first; `work` is observed either way. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
