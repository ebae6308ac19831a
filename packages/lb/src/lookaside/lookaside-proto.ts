import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProto, serviceDescriptor, type ChannelSecurity } from '@switchboard/core';

export interface PickRequest {
  service: string;
}
export interface PickResponse {
  address: string;
}
export interface LoadReport {
  address: string;
  inflight: number;
  latency_ms: number;
}
export type ReportAck = Record<string, never>;

type Handlers = {
  Pick: grpc.handleUnaryCall<PickRequest, PickResponse>;
  Report: grpc.handleUnaryCall<LoadReport, ReportAck>;
};

/** `switchboard.lb.v1.Lookaside`, from `proto/lookaside.proto` of this package. */
export const Lookaside = serviceDescriptor<Handlers>(loadProto(path.join(__dirname, '../../proto/lookaside.proto')), 'switchboard.lb.v1.Lookaside');

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/** A raw grpc-js client of a lookaside balancer. @internal */
export type LookasideClient = grpc.Client & {
  Pick: Unary<Partial<PickRequest>, PickResponse>;
  Report: Unary<Partial<LoadReport>, ReportAck>;
};

let constructor: grpc.ServiceClientConstructor | undefined;

/** A client of the balancer at `address` (`host:port`), plaintext unless `security` says otherwise. @internal */
export function lookasideClient(address: string, security?: ChannelSecurity): LookasideClient {
  constructor ??= grpc.makeClientConstructor(Lookaside.definition, 'Lookaside');
  return new constructor(address, security?.credentials ?? grpc.credentials.createInsecure(), security?.options ?? {}) as unknown as LookasideClient;
}

/** One unary call as a promise, bounded by `timeoutMs`. @internal */
export function unary<Req, Res>(method: Unary<Req, Res>, client: grpc.Client, request: Req, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response!)));
  });
}
