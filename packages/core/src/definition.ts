import type * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import type { CallContext } from './call-context';
import type { ProtoPackage } from './proto';
import type { MethodDescriptor, MethodKind } from './method-descriptor';
import { SwitchboardError } from './switchboard-error';

/**
 * A proto service, typed by the `…Handlers` interface (`H`, for servers) and
 * the `…Definition` interface (`D`, for clients) that `proto-loader-gen-types`
 * generates for it. They only carry types; what is served comes from the
 * loaded proto.
 */
export interface ServiceDescriptor<H = unknown, D = unknown> {
  readonly fullName: string;
  readonly methods: ReadonlyMap<string, MethodDescriptor>;
  readonly proto: ProtoPackage;
  /** The grpc-js service definition. @internal */
  readonly definition: ServiceDefinition;
  /** Phantom fields that carry `H` and `D`; never set. */
  readonly __handlers?: H;
  readonly __definition?: D;
}

/** The kind of a method given its flags. */
export function methodKind(requestStream: boolean, responseStream: boolean): MethodKind {
  if (requestStream) return responseStream ? 'bidi' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

/**
 * Looks up a service in a loaded proto.
 *
 * @example
 * import type { GreeterDefinition, GreeterHandlers } from './gen/helloworld/Greeter';
 * export const Greeter = serviceDescriptor<GreeterHandlers, GreeterDefinition>(proto, 'helloworld.Greeter');
 */
export function serviceDescriptor<H, D = unknown>(proto: ProtoPackage, fullName: string): ServiceDescriptor<H, D> {
  const entry = proto.definition[fullName];
  if (entry === undefined || !isServiceDefinition(entry)) {
    const services = Object.entries(proto.definition)
      .filter(([, v]) => isServiceDefinition(v))
      .map(([k]) => k);
    throw new SwitchboardError('SB_ERR_DEFINITION', `no service '${fullName}' in ${proto.files.join(', ')} (services: ${services.join(', ') || 'none'})`);
  }
  const methods = new Map<string, MethodDescriptor>();
  for (const [name, def] of Object.entries(entry)) {
    methods.set(name, {
      path: def.path,
      service: fullName,
      name,
      kind: methodKind(def.requestStream, def.responseStream),
      definition: def,
    });
  }
  return { fullName, methods, proto, definition: entry };
}

function isServiceDefinition(v: unknown): v is ServiceDefinition {
  if (typeof v !== 'object' || v === null || 'format' in v || 'fileDescriptorProtos' in v) return false;
  const first = Object.values(v)[0] as { path?: unknown } | undefined;
  return typeof first?.path === 'string';
}

type Param0<H> = H extends (call: infer C, ...rest: never[]) => unknown ? C : never;

/**
 * The response of a unary or client-streaming handler type, read from its
 * callback: grpc-js's ServerUnaryCall and ServerReadableStream never use
 * their response type, so inferring it from the call gives `unknown`.
 */
type CallbackResponse<H> = H extends (call: never, callback: grpc.sendUnaryData<infer Res>) => unknown ? Res : never;

/** The kind of call of one generated grpc-js handler type. */
export type KindOf<H> =
  Param0<H> extends grpc.ServerDuplexStream<infer _Req, infer _Res>
    ? 'bidi'
    : Param0<H> extends grpc.ServerWritableStream<infer _Req, infer _Res>
      ? 'server_stream'
      : Param0<H> extends grpc.ServerReadableStream<infer _Req, infer _Res>
        ? 'client_stream'
        : 'unary';

/** The handler a Switchboard service writes for one grpc-js handler type. */
export type HandlerFor<H> =
  Param0<H> extends grpc.ServerDuplexStream<infer Req, infer Res>
    ? (requests: AsyncIterable<Req>, ctx: CallContext) => AsyncIterable<Res>
    : Param0<H> extends grpc.ServerWritableStream<infer Req, infer Res>
      ? (request: Req, ctx: CallContext) => AsyncIterable<Res>
      : Param0<H> extends grpc.ServerReadableStream<infer Req, infer _Res>
        ? (requests: AsyncIterable<Req>, ctx: CallContext) => Promise<CallbackResponse<H>> | CallbackResponse<H>
        : Param0<H> extends grpc.ServerUnaryCall<infer Req, infer _Res>
          ? (request: Req, ctx: CallContext) => Promise<CallbackResponse<H>> | CallbackResponse<H>
          : never;

/** The declared keys of a generated interface, without its index signature. */
export type KnownKeys<T> = keyof {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

/**
 * What a class must implement to serve `S`: one method per rpc, promises for
 * unary responses, async iterables for streams.
 *
 * @example
 * class GreeterService implements ServiceImplementation<typeof Greeter> {
 *   async SayHello(req: HelloRequest__Output) { return { message: `Hello ${req.name}` }; }
 * }
 */
export type ServiceImplementation<S> = S extends ServiceDescriptor<infer H, unknown> ? { [K in KnownKeys<H>]: HandlerFor<H[K]> } : never;
