import type * as grpc from '@grpc/grpc-js';
import { Code, RpcError, codeName } from '@switchboard/core';
import type { Payload__Output } from '../gen/grpc/testing/Payload';
import { payloadMismatch } from '../payload';
import type { InteropStubs } from './interop-clients';

/** How a case ended. */
export type CaseStatus = 'PASS' | 'FAIL' | 'UNSUPPORTED';

/** The outcome of one case: FAIL and UNSUPPORTED carry the reason. */
export interface CaseResult {
  readonly name: string;
  readonly status: CaseStatus;
  readonly reason?: string;
  readonly ms: number;
}

/** What a case returns when a step cannot be done as described; the reason says why and who lacks what. */
export class Unsupported {
  constructor(readonly reason: string) {}
}

/** One interop test case: resolves (PASS), resolves to {@link Unsupported}, or throws why it failed. */
export interface InteropCase {
  readonly name: string;
  run(stubs: InteropStubs): Promise<Unsupported | void>;
}

/** Throws `what` unless `condition` holds. */
export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

/** Throws unless `received` is a payload of `size` zero bytes. */
export function checkPayload(received: Payload__Output | null, size: number, step: string): void {
  const mismatch = payloadMismatch(received, size);
  if (mismatch !== undefined) throw new Error(`${step}: ${mismatch}`);
}

/** Describes an error the way a failure reason shows it. */
export function explain(error: unknown): string {
  const rpc = RpcError.from(error);
  return `${codeName(rpc.code)} ${JSON.stringify(rpc.rawMessage)}`;
}

/** Awaits a call that must fail with `code`; resolves to its error, throws if it succeeded or failed otherwise. */
export async function expectCode(call: Promise<unknown>, code: Code, step: string): Promise<RpcError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => RpcError.from(e),
  );
  check(error !== undefined, `${step}: expected ${codeName(code)}, the call succeeded`);
  check(error.code === code, `${step}: expected ${codeName(code)}, got ${explain(error)}`);
  return error;
}

/** True for an UNIMPLEMENTED answer: the server declares it lacks a feature the request asked for. */
export function serverLacksFeature(error: unknown): error is RpcError {
  return error instanceof RpcError && error.code === Code.UNIMPLEMENTED;
}

/** Receives a call's headers and trailers, and waits for them. */
export interface MetadataWatch {
  readonly onHeader: (md: grpc.Metadata) => void;
  readonly onTrailer: (md: grpc.Metadata) => void;
  headers(): Promise<grpc.Metadata>;
  trailers(): Promise<grpc.Metadata>;
}

/** A {@link MetadataWatch}; waiting fails after `ms` when nothing arrived. */
export function watchMetadata(ms = 5000): MetadataWatch {
  const slot = (what: string) => {
    let set!: (md: grpc.Metadata) => void;
    const value = new Promise<grpc.Metadata>((resolve) => (set = resolve));
    const wait = (): Promise<grpc.Metadata> =>
      Promise.race([value, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} arrived within ${ms} ms`)), ms).unref())]);
    return { set, wait };
  };
  const headers = slot('response headers');
  const trailers = slot('trailers');
  return { onHeader: headers.set, onTrailer: trailers.set, headers: headers.wait, trailers: trailers.wait };
}
