import type { MethodKind } from './method-descriptor';
import { Code } from './rpc-error';
import { createToken } from './token';

/**
 * A Prometheus registry as the framework sees it: prom-client's `Registry`
 * fits. Typed by the one method a metric needs to join it, so that core does
 * not depend on prom-client and the client package does not depend on the
 * server's.
 */
export interface MetricsRegistry {
  /** Adds a prom-client metric; throws if the registry already holds one of that name. */
  registerMetric(metric: object): void;
}

/**
 * The registry the server's metrics endpoint serves. `startServer` binds it
 * (before any module registers) when `metrics.enabled`; clients registered
 * in that container count their calls into it.
 */
export const MetricsRegistryToken = createToken<MetricsRegistry>('core/MetricsRegistry');

/** go-grpc-prometheus's `grpc_type` of each call kind. */
const GRPC_TYPES: Record<MethodKind, string> = {
  unary: 'unary',
  server_stream: 'server_stream',
  client_stream: 'client_stream',
  bidi: 'bidi_stream',
};

/** The `grpc_type` label of a call kind, as go-grpc-prometheus writes it (`bidi_stream` for bidi). */
export function grpcTypeLabel(kind: MethodKind): string {
  return GRPC_TYPES[kind];
}

/** grpc-go's `codes.Code.String()`, which go-grpc-prometheus puts in `grpc_code`. */
const GO_CODE_NAMES: Readonly<Record<Code, string>> = {
  [Code.OK]: 'OK',
  [Code.CANCELLED]: 'Canceled',
  [Code.UNKNOWN]: 'Unknown',
  [Code.INVALID_ARGUMENT]: 'InvalidArgument',
  [Code.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [Code.NOT_FOUND]: 'NotFound',
  [Code.ALREADY_EXISTS]: 'AlreadyExists',
  [Code.PERMISSION_DENIED]: 'PermissionDenied',
  [Code.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [Code.FAILED_PRECONDITION]: 'FailedPrecondition',
  [Code.ABORTED]: 'Aborted',
  [Code.OUT_OF_RANGE]: 'OutOfRange',
  [Code.UNIMPLEMENTED]: 'Unimplemented',
  [Code.INTERNAL]: 'Internal',
  [Code.UNAVAILABLE]: 'Unavailable',
  [Code.DATA_LOSS]: 'DataLoss',
  [Code.UNAUTHENTICATED]: 'Unauthenticated',
};

/**
 * The `grpc_code` label of a status: grpc-go's name (`NotFound`,
 * `InvalidArgument`), so that dashboards and alerts written against Go
 * services match; a code outside the set is `Code(<n>)`, as in Go.
 */
export function grpcCodeLabel(code: Code): string {
  return GO_CODE_NAMES[code] ?? `Code(${String(code)})`;
}

/** Prometheus's default buckets (client_golang `DefBuckets`), which go-grpc-prometheus's handling histograms use. */
export const HANDLING_SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
