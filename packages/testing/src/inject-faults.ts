import {
  RpcError,
  SwitchboardError,
  type ClientInterceptor,
  type KnownKeys,
  type MethodDescriptor,
  type ServerInterceptor,
  type ServiceDescriptor,
} from '@switchboard/core';
import { ArmedFault, type Fault, type MethodFault } from './fault';
import { runFault } from './run-fault';

/**
 * A server interceptor that applies `faults` to the calls of their methods
 * and passes every other call through. `services` are those served, to
 * check each fault's method against (an unknown one is an error naming the
 * methods that exist). `startTestServer({ faults })` installs one; this is
 * the same for a server started otherwise.
 *
 * @example
 * await startServer({ modules: [greeterModule], interceptors: [injectFaults([{ method: '/helloworld.Greeter/SayHello', delayMs: 500 }], [Greeter])] });
 */
export function injectFaults(faults: readonly MethodFault[], services: readonly ServiceDescriptor[]): ServerInterceptor {
  const known = new Map<string, MethodDescriptor>(services.flatMap((s) => [...s.methods.values()].map((m): [string, MethodDescriptor] => [m.path, m])));
  const armed = new Map<string, ArmedFault>();
  for (const fault of faults) {
    const path = typeof fault.method === 'string' ? fault.method : fault.method.path;
    const method = known.get(path);
    if (method === undefined) {
      throw new SwitchboardError('SB_ERR_CONFIG', `no served method '${path}' to inject a fault into (methods: ${[...known.keys()].join(', ') || 'none'})`);
    }
    if (armed.has(path)) throw new SwitchboardError('SB_ERR_CONFIG', `two faults for '${path}'; give one (its parts combine)`);
    armed.set(path, new ArmedFault(fault, path, method.kind));
  }
  return (call, next) => {
    const fault = armed.get(call.method.path);
    if (fault === undefined || !fault.take()) return next(call);
    return runFault(call, next, fault.fault, (f) => f.fail!, call.ctx.signal);
  };
}

/** Faults on the methods of a client of `S`, by method name. */
export type ClientFaults<S> = S extends ServiceDescriptor<infer H, unknown> ? { readonly [K in KnownKeys<H>]?: Fault } : never;

/**
 * A client interceptor that applies `faults` to the calls a client of
 * `service` makes, before they reach the wire: what a caller sees when the
 * network or the server misbehaves. A `fail` arrives as a status received
 * from the peer would (`RpcError.received`), so a handler that passes it on
 * treats it as a downstream failure. The delay is not ended by the caller's
 * signal (interceptors do not see it); keep delays short.
 *
 * @example
 * const greeter = createClient(Greeter, { target, interceptors: [injectClientFaults(Greeter, { SayHello: { cancelAfter: 0 } })] });
 */
export function injectClientFaults<S extends ServiceDescriptor<unknown, unknown>>(service: S, faults: ClientFaults<S>): ClientInterceptor {
  const armed = new Map<string, ArmedFault>();
  const byName: { readonly [name: string]: Fault | undefined } = faults;
  for (const [name, fault] of Object.entries(byName)) {
    if (fault === undefined) continue;
    const method = service.methods.get(name);
    if (method === undefined) {
      throw new SwitchboardError(
        'SB_ERR_CONFIG',
        `${service.fullName} has no method '${name}' to inject a fault into (methods: ${[...service.methods.keys()].join(', ')})`,
      );
    }
    armed.set(method.path, new ArmedFault(fault, `${service.fullName}.${name} (client)`, method.kind));
  }
  return (call, next) => {
    const fault = armed.get(call.method.path);
    if (fault === undefined || !fault.take()) return next(call);
    return runFault(call, next, fault.fault, receivedError);
  };
}

function receivedError(fault: Fault): RpcError {
  const fail = fault.fail!;
  return new RpcError(fail.code, fail.rawMessage, { details: fail.details, metadata: fail.metadata.clone(), received: true, cause: fail });
}
