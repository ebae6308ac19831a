import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { RpcError, Service, loadProto, parseCode, serviceDescriptor, type CallContext } from '@switchboard/core';

export interface ForwardRequest {
  hops: number;
  sleep_ms: number;
  id: string;
}
export interface ForwardReply {
  remaining_ms: number;
  path: string[];
}
export interface FlakyRequest {
  key: string;
  failures: number;
  code: string;
}
export interface FlakyReply {
  attempts: number;
}

type Handlers = {
  Forward: grpc.handleUnaryCall<ForwardRequest, ForwardReply>;
  Flaky: grpc.handleUnaryCall<FlakyRequest, FlakyReply>;
};
type Definition = {
  Forward: MethodDefinition<Partial<ForwardRequest>, ForwardReply, ForwardRequest, ForwardReply>;
  Flaky: MethodDefinition<Partial<FlakyRequest>, FlakyReply, FlakyRequest, FlakyReply>;
};

export const Lab = serviceDescriptor<Handlers, Definition>(loadProto(path.join(__dirname, 'lab.proto')), 'switchboard.lab.Lab');

/** What the last hop of a chain saw, by request id. */
export interface LastHop {
  startedAt: number;
  remainingMs: number;
  abortedAt?: number;
  reason?: unknown;
}

/** The forwarding target of a hop: a `Lab` stub's `Forward`. */
export type Forward = (request: Partial<ForwardRequest>) => Promise<ForwardReply>;

/** A `Lab` service named `name`, forwarding with `next` (absent on the last hop). */
export function createLabService(name: string, seen: Map<string, LastHop>, next?: () => Forward) {
  const attempts = new Map<string, number>();

  @Service(Lab)
  class LabService {
    async Forward(request: ForwardRequest, ctx: CallContext): Promise<ForwardReply> {
      if (request.hops > 0 && next) {
        const reply = await next()({ ...request, hops: request.hops - 1 });
        return { ...reply, path: [name, ...reply.path] };
      }
      const remaining = ctx.timeRemaining();
      const hop: LastHop = { startedAt: Date.now(), remainingMs: Number.isFinite(remaining) ? remaining : -1 };
      seen.set(request.id, hop);
      try {
        await sleep(request.sleep_ms, undefined, { signal: ctx.signal });
      } catch {
        hop.abortedAt = Date.now();
        hop.reason = ctx.signal.reason;
        throw ctx.signal.reason;
      }
      return { remaining_ms: hop.remainingMs, path: [name] };
    }

    async Flaky(request: FlakyRequest): Promise<FlakyReply> {
      const count = (attempts.get(request.key) ?? 0) + 1;
      attempts.set(request.key, count);
      if (count <= request.failures) throw new RpcError(parseCode(request.code) ?? 14, `failure ${count} of ${request.failures}`);
      return { attempts: count };
    }
  }
  return LabService;
}
