import { RpcError } from '@switchboard/core';
import type { ChannelCall } from './channel-call';

/**
 * Sends requests into a call at the pace the transport takes them, then
 * half-closes. A wait for room is released by the end of the call; the
 * requests are then left (`return()`), and nothing more is written. A
 * request stream that throws (an interceptor's) or a message that cannot be
 * serialized ends the call with that error.
 * @internal
 */
export async function pump(requests: AsyncIterable<unknown>, call: ChannelCall): Promise<void> {
  try {
    for await (const message of requests) {
      if (call.over) break;
      if (!call.write(message)) {
        await call.drained();
        if (call.over) break;
      }
    }
    if (!call.over) call.halfClose();
  } catch (error) {
    call.fail(RpcError.from(error));
  }
}
