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
  /** A check of your own, after the others; `false` denies. */
  readonly when?: (identity: CallerIdentity, ctx: CallContext) => boolean;
}

/**
 * Guards every method of a service (on the class) or one method. The server
 * checks the caller before the handler runs, for all four call kinds: no
 * identity is UNAUTHENTICATED, an identity the rule does not admit is
 * PERMISSION_DENIED. A method guarded on its class and on itself must pass
 * both; a subclass keeps its parent's rules. With no auth source configured (`auth.jwt`, or `server.tls.clientAuth`
 * request or require) no call has an identity, so a guarded method answers
 * UNAUTHENTICATED to everyone.
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
        const identity = ctx.identity;
        if (identity === undefined) throw new RpcError(Code.UNAUTHENTICATED, `${ctx.method.path} needs an authenticated caller`);
        if (!rules.every((rule) => admits(rule, identity, ctx))) {
          throw new RpcError(Code.PERMISSION_DENIED, `the caller may not call ${ctx.method.path}`);
        }
      },
    }),
  ];
}

function admits(rule: AuthorizeRule, identity: CallerIdentity, ctx: CallContext): boolean {
  if (rule.subjects !== undefined && !rule.subjects.some((name) => identity.names.includes(name))) return false;
  if (rule.scopes !== undefined && !rule.scopes.every((scope) => identity.scopes.includes(scope))) return false;
  if (rule.roles !== undefined && !rule.roles.some((role) => identity.roles.includes(role))) return false;
  return rule.when === undefined || rule.when(identity, ctx) === true;
}
