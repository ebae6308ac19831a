import { Code } from '@switchboard/core';
import { payload } from '../payload';
import { check, checkPayload, expectCode, type InteropCase } from './interop-case';

/** Reads every response of a stream, for a call that must end in an error. */
async function drain(responses: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of responses) count++;
  return count;
}

/** Deadlines and cancellation. */
export const LIFECYCLE_CASES: InteropCase[] = [
  {
    name: 'timeout_on_sleeping_server',
    async run({ plain }) {
      const call = plain.FullDuplexCall({ deadlineMs: 1 });
      // The write may never be taken: the call can be over before it starts.
      call.write({ payload: payload(27182) }).catch(() => undefined);
      await expectCode(drain(call), Code.DEADLINE_EXCEEDED, 'FullDuplexCall with a 1 ms deadline');
    },
  },
  {
    name: 'cancel_after_begin',
    async run({ plain }) {
      const controller = new AbortController();
      const call = plain.StreamingInputCall({ signal: controller.signal });
      controller.abort();
      await expectCode(call.response, Code.CANCELLED, 'StreamingInputCall cancelled before any message');
    },
  },
  {
    name: 'cancel_after_first_response',
    async run({ plain }) {
      const controller = new AbortController();
      const call = plain.FullDuplexCall({ signal: controller.signal });
      const responses = call[Symbol.asyncIterator]();
      await call.write({ response_parameters: [{ size: 31415 }], payload: payload(27182) });
      const first = await responses.next();
      check(first.done !== true, 'FullDuplexCall: the stream ended before the first response');
      checkPayload(first.value.payload, 31415, 'response 1');
      controller.abort();
      await expectCode(responses.next(), Code.CANCELLED, 'FullDuplexCall cancelled after the first response');
    },
  },
];
