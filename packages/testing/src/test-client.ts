import { createClient, type CallOptions, type Client, type CreateClientOptions, type StandaloneClient } from '@switchboard/client';
import { Code, RpcError, type ServiceDescriptor } from '@switchboard/core';
import { injectClientFaults, type ClientFaults } from './inject-faults';
import type { OpenCalls } from './open-calls';

/** What `server.client(Service, options)` takes: a client's options (not its target) and faults by method name. */
export type TestClientOptions<S> = Omit<CreateClientOptions, 'target'> & {
  /** Faults injected into this client's calls, before the wire (see `injectClientFaults`). */
  readonly faults?: ClientFaults<S>;
};

/** A client made by the kit, and how the kit ends it. @internal */
export interface KitClient<S> {
  readonly stub: Client<S>;
  /** Cancels the calls still open (their unary promises may then be left unawaited) and closes the channel. */
  close(): void;
}

interface Pending {
  readonly controller: AbortController;
  /** A unary call's promise, as its caller holds it. */
  response?: Promise<unknown>;
}

/**
 * Makes a client of `service` for `target` whose calls `open` counts, and
 * whose calls still open at `close()` are cancelled: each call gets a signal
 * of the kit's (joined with the caller's).
 * @internal
 */
export function kitClient<S extends ServiceDescriptor<unknown, unknown>>(
  service: S,
  target: string,
  open: OpenCalls,
  options: TestClientOptions<S> = {},
): KitClient<S> {
  const { faults, interceptors = [], ...rest } = options;
  const client: StandaloneClient<S> = createClient(service, {
    ...rest,
    target,
    interceptors: [open.clientInterceptor(), ...(faults ? [injectClientFaults(service, faults)] : []), ...interceptors],
  });
  const pending = new Set<Pending>();
  const withSignal = (options: CallOptions | undefined, controller: AbortController): CallOptions => ({
    ...options,
    signal: options?.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal,
  });
  const calls = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const stub: Record<string, unknown> = {};
  for (const method of service.methods.values()) {
    const call = calls[method.name]!;
    switch (method.kind) {
      case 'unary':
        stub[method.name] = (request: unknown, options?: CallOptions) => {
          const entry: Pending = { controller: new AbortController() };
          pending.add(entry);
          // The caller holds a promise of its own: one it leaves unawaited still reports its rejection, unless close() cancelled it.
          entry.response = (call(request, withSignal(options, entry.controller)) as Promise<unknown>).then(
            (value) => {
              pending.delete(entry);
              return value;
            },
            (error: unknown) => {
              pending.delete(entry);
              throw error;
            },
          );
          return entry.response;
        };
        break;
      case 'server_stream':
        stub[method.name] = (request: unknown, options?: CallOptions) => {
          const controller = new AbortController();
          pending.add({ controller });
          return call(request, withSignal(options, controller));
        };
        break;
      case 'client_stream':
      case 'bidi':
        stub[method.name] = (options?: CallOptions) => {
          const controller = new AbortController();
          pending.add({ controller });
          return call(withSignal(options, controller));
        };
        break;
    }
  }
  return {
    stub: Object.freeze(stub) as Client<S>,
    close() {
      const reason = new RpcError(Code.CANCELLED, 'cancelled by the test server close(): the call was left open');
      for (const { controller, response } of pending) {
        // Left open, so nobody awaits it: its CANCELLED is the kit's doing, reported by close().
        response?.catch(() => undefined);
        controller.abort(reason);
      }
      pending.clear();
      client.close();
    },
  };
}
