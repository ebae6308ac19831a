import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { loadProto, serviceDescriptor } from '@switchboard/core';

/** `switchboard.bench.Ending`: how a soak call is asked to end (proto-loader gives enum names). */
export type Ending = 'OK' | 'WAIT' | 'ENDLESS' | 'RPC_ERROR' | 'THROW';

/** `switchboard.bench.SoakRequest`. */
export interface SoakRequest {
  ending: Ending;
  count: number;
  wait_ms: number;
  payload: Buffer;
}

/** `switchboard.bench.SoakReply`. */
export interface SoakReply {
  index: number;
  payload: Buffer;
}

type SoakHandlers = {
  Unary: grpc.handleUnaryCall<SoakRequest, SoakReply>;
  ServerStream: grpc.handleServerStreamingCall<SoakRequest, SoakReply>;
  Bidi: grpc.handleBidiStreamingCall<SoakRequest, SoakReply>;
};

/** `switchboard.bench.Soak`, from [`proto/soak.proto`](../proto/soak.proto). */
export const Soak = serviceDescriptor<SoakHandlers>(loadProto(path.join(__dirname, '../proto/soak.proto')), 'switchboard.bench.Soak');

/** The `reason` of the ErrorInfo detail a planned RPC_ERROR carries; the client checks it arrived. */
export const PLANNED_REASON = 'SOAK_PLANNED_FAILURE';

/** Part of the message of a planned plain Error; the client checks it never reaches the wire. */
export const SECRET = 'soak-internal-secret';

/** Replies an ENDLESS stream sends at most, should the client never cancel it. */
export const ENDLESS_LIMIT = 100_000;
