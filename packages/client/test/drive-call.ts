import { codeName, RpcError } from '@switchboard/core';
import type { Echo, EchoRequest } from '@switchboard/test-support';
import type { CallOptions, Client } from '../src/index';

/** The four kinds, as the Echo stub names them. */
export const KINDS = ['Unary', 'ServerStream', 'ClientStream', 'Bidi'] as const;
export type Kind = (typeof KINDS)[number];

/** How a driven call ended: `OK` or the status code's name, and what the caller saw on the way. */
export interface Outcome {
  readonly status: string;
  readonly responses: number;
  /** What each `write()` ended with: `taken`, or the code name it rejected with (`Error` for a plain one). */
  readonly writes: string[];
}

/** The code name of what a call threw: `RpcError` codes by name, anything else as `not an RpcError: …`. */
export function statusOf(error: unknown): string {
  return error instanceof RpcError ? codeName(error.code) : `not an RpcError: ${String(error)}`;
}

/** What to do while the call runs. */
export interface Drive {
  /** Runs once the call has been made, concurrently with it (e.g. waits until the server has it, then aborts). */
  during?: () => Promise<void>;
  /** Streams only: stop reading after this many responses (the consumer leaves early). */
  leaveAfter?: number;
}

/**
 * Makes one call of `kind` with `request` (one request message; streams of
 * requests write it, then end) and drives it to its end, however it ends.
 */
export async function drive(
  echo: Client<typeof Echo>,
  kind: Kind,
  request: Partial<EchoRequest>,
  options: CallOptions = {},
  how: Drive = {},
): Promise<Outcome> {
  const writes: string[] = [];
  const write = (pending: Promise<void>): Promise<void> =>
    pending.then(
      () => void writes.push('taken'),
      (error: unknown) => void writes.push(error instanceof RpcError ? codeName(error.code) : 'Error'),
    );
  let responses = 0;
  const during = how.during?.() ?? Promise.resolve();
  const read = async (stream: AsyncIterable<unknown>): Promise<void> => {
    for await (const _ of stream) if (++responses === how.leaveAfter) break;
  };
  let ended: Promise<unknown>;
  let written = Promise.resolve();
  switch (kind) {
    case 'Unary':
      ended = echo.Unary(request, options).then(() => void responses++);
      break;
    case 'ServerStream':
      ended = read(echo.ServerStream(request, options));
      break;
    case 'ClientStream': {
      const call = echo.ClientStream(options);
      written = write(call.write(request));
      call.end();
      ended = call.response.then(() => void responses++);
      break;
    }
    case 'Bidi': {
      const call = echo.Bidi(options);
      written = write(call.write(request));
      if (how.leaveAfter === undefined) call.end();
      ended = read(call);
      break;
    }
  }
  const status = await ended.then(
    () => 'OK',
    (error: unknown) => statusOf(error),
  );
  await Promise.all([during, written]);
  return { status, responses, writes };
}
