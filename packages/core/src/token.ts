import { inject as inversifyInject, type Container } from 'inversify';
import { SwitchboardError } from './switchboard-error';

/**
 * A typed, namespaced DI token. The type parameter travels with the token, so
 * `resolve(container, token)` and `@inject(token)` need no casts.
 *
 * @example
 * const OrderStore = createToken<OrderStore>('orders/OrderStore');
 */
export interface Token<T> {
  /** The namespaced name, `area/Name`. */
  readonly name: string;
  /** The identifier inversify binds under. @internal */
  readonly id: symbol;
  /** Phantom field that carries `T`; never set. */
  readonly __type?: T;
}

const names = new Set<string>();

/** Creates a typed token; the name must be namespaced (`area/Name`) and unique. */
export function createToken<T>(name: string): Token<T> {
  if (!/^[\w.-]+\/[\w.:-]+$/.test(name)) {
    throw new SwitchboardError('SB_ERR_TOKEN', `token name '${name}' must be namespaced as 'area/Name'`);
  }
  if (names.has(name)) {
    throw new SwitchboardError('SB_ERR_TOKEN', `token '${name}' is already defined; create each token once and import it`);
  }
  names.add(name);
  return { name, id: Symbol.for(`switchboard:${name}`) };
}

/** Constructor-parameter decorator: injects what `token` is bound to. */
export function inject<T>(token: Token<T>): ParameterDecorator & PropertyDecorator {
  return inversifyInject(token.id);
}

/** Binds `token` to a constant value in `container`. */
export function bindValue<T>(container: Container, token: Token<T>, value: T): void {
  container.bind(token.id).toConstantValue(value);
}

/** Binds `token` to a class, created once per container. */
export function bindClass<T>(container: Container, token: Token<T>, cls: new (...args: never[]) => T): void {
  container.bind(token.id).to(cls).inSingletonScope();
}

/** Resolves `token` from `container`, naming the token when nothing is bound. */
export function resolve<T>(container: Container, token: Token<T>): T {
  if (!container.isBound(token.id)) {
    throw new SwitchboardError('SB_ERR_UNBOUND', `nothing is bound to token '${token.name}'`);
  }
  return container.get<T>(token.id);
}
