import { Authorize, readAuthorization } from './authorize';
import type { CallContext } from './call-context';
import type { CallerIdentity } from './caller-identity';
import type { InterceptedCall } from './interceptor';
import type { MethodDescriptor } from './method-descriptor';
import { Code, RpcError } from './rpc-error';

const method = { path: '/t.S/Call', service: 't.S', name: 'Call', kind: 'unary' } as MethodDescriptor;
const caller = (fields: Partial<CallerIdentity>): CallerIdentity => ({ subject: 'alice', names: ['alice'], scopes: [], roles: [], ...fields });

/** Runs `cls`'s guard of `name` for a caller; resolves to what the handler would answer, or the guard's error code. */
async function guard(cls: new () => object, name: string, identity: CallerIdentity | undefined): Promise<string> {
  const [interceptor] = readAuthorization(cls, name);
  if (interceptor === undefined) return 'unguarded';
  const ctx = { method, identity, signal: new AbortController().signal } as unknown as CallContext;
  const call: InterceptedCall = { method, ctx, requests: (async function* () {})() };
  try {
    for await (const answer of interceptor(call, async function* () {
      yield 'handled';
    }))
      return answer as string;
    return 'nothing';
  } catch (error) {
    return error instanceof RpcError ? Code[error.code] : String(error);
  }
}

class Plain {
  call(): void {}
}

@Authorize({ scopes: ['a', 'b'] })
class Guarded {
  call(): void {}

  @Authorize({ roles: ['x', 'y'], when: (identity) => identity.subject !== 'mallory' })
  other(): void {}
}

class Child extends Guarded {
  @Authorize({ subjects: ['bob'] })
  child(): void {}
}

describe('@Authorize and readAuthorization', () => {
  it('adds no interceptor to a method without @Authorize', async () => {
    expect(readAuthorization(Plain, 'call')).toEqual([]);
    expect(await guard(Plain, 'call', undefined)).toBe('unguarded');
  });

  it('refuses a call without identity with UNAUTHENTICATED', async () => {
    expect(await guard(Guarded, 'call', undefined)).toBe('UNAUTHENTICATED');
  });

  it('needs every scope, any one role, and the when check, class rule and method rule together', async () => {
    expect(await guard(Guarded, 'call', caller({ scopes: ['a'] }))).toBe('PERMISSION_DENIED');
    expect(await guard(Guarded, 'call', caller({ scopes: ['b', 'a'] }))).toBe('handled');
    expect(await guard(Guarded, 'other', caller({ scopes: ['a', 'b'] }))).toBe('PERMISSION_DENIED');
    expect(await guard(Guarded, 'other', caller({ scopes: ['a', 'b'], roles: ['y'] }))).toBe('handled');
    expect(await guard(Guarded, 'other', caller({ subject: 'mallory', scopes: ['a', 'b'], roles: ['y'] }))).toBe('PERMISSION_DENIED');
  });

  it("keeps the parent's class and method rules in a subclass, with its own", async () => {
    expect(await guard(Child, 'call', caller({}))).toBe('PERMISSION_DENIED');
    expect(await guard(Child, 'other', caller({ scopes: ['a', 'b'], roles: ['x'] }))).toBe('handled');
    expect(await guard(Child, 'child', caller({ scopes: ['a', 'b'], names: ['alice', 'bob'] }))).toBe('handled');
    expect(await guard(Child, 'child', caller({ scopes: ['a', 'b'] }))).toBe('PERMISSION_DENIED');
  });
});
