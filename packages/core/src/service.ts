import { injectable } from 'inversify';
import type { ServiceDescriptor, ServiceImplementation } from './definition';
import type { ServerInterceptor } from './interceptor';
import { SwitchboardError } from './switchboard-error';

const SERVICE = Symbol('switchboard:service');
const CLASS_INTERCEPTORS = Symbol('switchboard:class-interceptors');
const METHOD_INTERCEPTORS = Symbol('switchboard:method-interceptors');

type Newable<T = object> = new (...args: never[]) => T;

/**
 * Marks a class as the implementation of a proto service and makes it
 * injectable. A missing or misspelt handler is a compile error here.
 *
 * @example
 * \@Service(Greeter)
 * export class GreeterService {
 *   async SayHello(req: HelloRequest__Output) { return { message: `Hello ${req.name}` }; }
 * }
 */
export function Service<S extends ServiceDescriptor>(descriptor: S) {
  return <C extends Newable<ServiceImplementation<S>>>(target: C): void => {
    Reflect.defineProperty(target, SERVICE, { value: descriptor, enumerable: false });
    injectable()(target);
  };
}

/**
 * Adds interceptors to every method of a service (on the class) or to one
 * method (on the method). They run after the global ones: see {@link ServerInterceptor}.
 */
export function UseInterceptors(...interceptors: ServerInterceptor[]) {
  return (target: object, method?: string | symbol): void => {
    if (method === undefined) {
      const list = (Reflect.get(target, CLASS_INTERCEPTORS) as ServerInterceptor[] | undefined) ?? [];
      // Decorators apply bottom-up; keep them in written order.
      Reflect.defineProperty(target, CLASS_INTERCEPTORS, { value: [...interceptors, ...list], configurable: true });
      return;
    }
    const cls = (target as { constructor: object }).constructor;
    const map = new Map((Reflect.get(cls, METHOD_INTERCEPTORS) as Map<string | symbol, ServerInterceptor[]> | undefined) ?? []);
    map.set(method, [...interceptors, ...(map.get(method) ?? [])]);
    Reflect.defineProperty(cls, METHOD_INTERCEPTORS, { value: map, configurable: true });
  };
}

/** The service a class implements, or an error naming the class. @internal */
export function readService(cls: Newable): ServiceDescriptor {
  const descriptor = Reflect.get(cls, SERVICE) as ServiceDescriptor | undefined;
  if (descriptor === undefined) {
    throw new SwitchboardError('SB_ERR_SERVICE', `class ${cls.name} has no @Service decorator`);
  }
  return descriptor;
}

/** The service-level then method-level interceptors of a handler. @internal */
export function readInterceptors(cls: Newable, method: string): readonly ServerInterceptor[] {
  const own = Object.prototype.hasOwnProperty.call(cls, CLASS_INTERCEPTORS) ? (Reflect.get(cls, CLASS_INTERCEPTORS) as ServerInterceptor[]) : [];
  const methods = Reflect.get(cls, METHOD_INTERCEPTORS) as Map<string, ServerInterceptor[]> | undefined;
  return [...own, ...(methods?.get(method) ?? [])];
}
