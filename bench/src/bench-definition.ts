import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { loadProto, serviceDescriptor } from '@switchboard/core';

/** `switchboard.bench.BenchRequest`, as proto-loader delivers it. */
export interface BenchRequest {
  message: string;
  count: number;
  reply_bytes: number;
  payload: Buffer;
}

/** `switchboard.bench.BenchReply`. */
export interface BenchReply {
  message: string;
  index: number;
  payload: Buffer;
}

type BenchHandlers = {
  Unary: grpc.handleUnaryCall<BenchRequest, BenchReply>;
  ServerStream: grpc.handleServerStreamingCall<BenchRequest, BenchReply>;
  ClientStream: grpc.handleClientStreamingCall<BenchRequest, BenchReply>;
  Bidi: grpc.handleBidiStreamingCall<BenchRequest, BenchReply>;
};

/** The proto both servers serve and the load generator calls. */
export const BENCH_PROTO = path.join(__dirname, '../proto/bench.proto');
export const benchProto = loadProto(BENCH_PROTO);

/** `switchboard.bench.Bench`, typed by its handlers. */
export const Bench = serviceDescriptor<BenchHandlers>(benchProto, 'switchboard.bench.Bench');

/** The `authorization` value every benchmark call carries and the auth interceptor demands. */
export const BENCH_TOKEN = 'Bearer bench-token';

/**
 * The servers under test: raw grpc-js, Switchboard, nice-grpc for comparison,
 * the soak's Switchboard server, and `startServer`'s with observability
 * switched by config (run-observability).
 */
export type ServerKind = 'raw' | 'switchboard' | 'nice-grpc' | 'soak' | 'observed';

/** A server under test, running in this process. */
export interface BenchServer {
  readonly port: number;
  /** What the server's own instruments counted, if it has any. */
  stats(): Record<string, number>;
  close(): Promise<void>;
}
