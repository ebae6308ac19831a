import * as os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Code, RpcError, Service, type CallContext } from '@switchboard/core';
import { echoMetadata } from './echo-metadata';
import type { BoolValue__Output } from './gen/grpc/testing/BoolValue';
import type { EchoStatus__Output } from './gen/grpc/testing/EchoStatus';
import type { Empty } from './gen/grpc/testing/Empty';
import type { ResponseParameters__Output } from './gen/grpc/testing/ResponseParameters';
import type { SimpleRequest__Output } from './gen/grpc/testing/SimpleRequest';
import type { SimpleResponse } from './gen/grpc/testing/SimpleResponse';
import type { StreamingInputCallRequest__Output } from './gen/grpc/testing/StreamingInputCallRequest';
import type { StreamingInputCallResponse } from './gen/grpc/testing/StreamingInputCallResponse';
import type { StreamingOutputCallRequest__Output } from './gen/grpc/testing/StreamingOutputCallRequest';
import type { StreamingOutputCallResponse } from './gen/grpc/testing/StreamingOutputCallResponse';
import { TestService } from './gen/services';
import { payload } from './payload';
import { checkExpectCompressed } from './request-encoding';

/** What `fill_server_id` answers: one value per server process. */
export const SERVER_ID = `switchboard-interop-${process.pid}`;

/**
 * `grpc.testing.TestService` with the server features of the gRPC interop
 * test descriptions: payload sizes, Echo Status, Echo Metadata,
 * `interval_us`, CompressedRequest (see {@link checkExpectCompressed}).
 * CompressedResponse is refused with UNIMPLEMENTED: a grpc-js server never
 * compresses a response.
 */
@Service(TestService)
export class InteropTestService {
  async EmptyCall(_request: Empty, ctx: CallContext): Promise<Empty> {
    echoMetadata(ctx);
    return {};
  }

  async UnaryCall(request: SimpleRequest__Output, ctx: CallContext): Promise<SimpleResponse> {
    echoMetadata(ctx);
    return simpleResponse(request, ctx);
  }

  async CacheableUnaryCall(request: SimpleRequest__Output, ctx: CallContext): Promise<SimpleResponse> {
    const headers = new grpc.Metadata();
    headers.set('cache-control', 'max-age=60, public');
    echoMetadata(ctx, headers);
    const now = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
    return { ...simpleResponse({ ...request, response_size: 0 }, ctx), payload: { type: 'COMPRESSABLE', body: Buffer.from(String(now)) } };
  }

  async *StreamingOutputCall(request: StreamingOutputCallRequest__Output, ctx: CallContext): AsyncIterable<StreamingOutputCallResponse> {
    echoMetadata(ctx);
    yield* respond(request, ctx);
  }

  async StreamingInputCall(requests: AsyncIterable<StreamingInputCallRequest__Output>, ctx: CallContext): Promise<StreamingInputCallResponse> {
    echoMetadata(ctx);
    let total = 0;
    for await (const request of requests) {
      checkExpectCompressed(ctx, request.expect_compressed);
      total += request.payload?.body.length ?? 0;
    }
    return { aggregated_payload_size: total };
  }

  async *FullDuplexCall(requests: AsyncIterable<StreamingOutputCallRequest__Output>, ctx: CallContext): AsyncIterable<StreamingOutputCallResponse> {
    echoMetadata(ctx);
    for await (const request of requests) yield* respond(request, ctx);
  }

  async *HalfDuplexCall(requests: AsyncIterable<StreamingOutputCallRequest__Output>, ctx: CallContext): AsyncIterable<StreamingOutputCallResponse> {
    echoMetadata(ctx);
    const buffered: StreamingOutputCallRequest__Output[] = [];
    for await (const request of requests) buffered.push(request);
    for (const request of buffered) yield* respond(request, ctx);
  }

  async UnimplementedCall(): Promise<Empty> {
    throw new RpcError(Code.UNIMPLEMENTED, 'grpc.testing.TestService/UnimplementedCall is not implemented, by design');
  }
}

function simpleResponse(request: SimpleRequest__Output, ctx: CallContext): SimpleResponse {
  echoStatus(request.response_status);
  checkExpectCompressed(ctx, request.expect_compressed);
  refuseCompression(request.response_compressed);
  checkResponseType(request.response_type);
  return {
    payload: payload(request.response_size),
    ...(request.fill_server_id ? { server_id: SERVER_ID, hostname: os.hostname() } : {}),
  };
}

/** Echo Status: a `response_status` with a non-zero code ends the call with it, message as sent. */
function echoStatus(status: EchoStatus__Output | null): void {
  if (status !== null && status.code !== 0) throw new RpcError(status.code, status.message);
}

function refuseCompression(compressed: BoolValue__Output | null): void {
  if (compressed?.value === true) {
    throw new RpcError(Code.UNIMPLEMENTED, 'response compression was asked for, but a grpc-js server never compresses responses');
  }
}

function checkResponseType(type: string | number): void {
  if (type !== 'COMPRESSABLE') throw new RpcError(Code.INVALID_ARGUMENT, `unsupported response_type ${type}`);
}

/** One response per ResponseParameters, each after its `interval_us`; a `response_status` first ends the call. */
async function* respond(request: StreamingOutputCallRequest__Output, ctx: CallContext): AsyncIterable<StreamingOutputCallResponse> {
  echoStatus(request.response_status);
  checkResponseType(request.response_type);
  for (const parameters of request.response_parameters) refuseCompression(parameters.compressed);
  for (const parameters of request.response_parameters) {
    await pause(parameters, ctx);
    yield { payload: payload(parameters.size) };
  }
}

async function pause(parameters: ResponseParameters__Output, ctx: CallContext): Promise<void> {
  if (parameters.interval_us <= 0) return;
  await sleep(parameters.interval_us / 1000, undefined, { signal: ctx.signal }).catch(() => {
    throw ctx.signal.reason;
  });
}
