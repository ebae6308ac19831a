import { payload } from '../payload';
import { check, checkPayload, type InteropCase } from './interop-case';

const STREAM_SIZES = [31415, 9, 2653, 58979];
const REQUEST_SIZES = [27182, 8, 1828, 45904];

/** The cases that need nothing but the four call kinds working. */
export const BASIC_CASES: InteropCase[] = [
  {
    name: 'empty_unary',
    async run({ plain }) {
      const response = await plain.EmptyCall({});
      check(typeof response === 'object' && response !== null, 'EmptyCall: the response is null');
    },
  },
  {
    name: 'large_unary',
    async run({ plain }) {
      const response = await plain.UnaryCall({ response_size: 314159, payload: payload(271828) });
      checkPayload(response.payload, 314159, 'UnaryCall');
    },
  },
  {
    name: 'client_streaming',
    async run({ plain }) {
      const call = plain.StreamingInputCall();
      for (const size of REQUEST_SIZES) await call.write({ payload: payload(size) });
      call.end();
      const { aggregated_payload_size: total } = await call.response;
      check(total === 74922, `StreamingInputCall: aggregated_payload_size is ${total}, expected 74922`);
    },
  },
  {
    name: 'server_streaming',
    async run({ plain }) {
      const sizes: number[] = [];
      for await (const response of plain.StreamingOutputCall({ response_parameters: STREAM_SIZES.map((size) => ({ size })) })) {
        checkPayload(response.payload, STREAM_SIZES[sizes.length] ?? 0, `response ${sizes.length + 1}`);
        sizes.push(response.payload?.body.length ?? 0);
      }
      check(sizes.length === 4, `StreamingOutputCall: expected 4 responses, got ${sizes.length}`);
    },
  },
  {
    name: 'ping_pong',
    async run({ plain }) {
      const call = plain.FullDuplexCall();
      const responses = call[Symbol.asyncIterator]();
      for (const [i, size] of STREAM_SIZES.entries()) {
        await call.write({ response_parameters: [{ size }], payload: payload(REQUEST_SIZES[i]!) });
        const reply = await responses.next();
        check(reply.done !== true, `FullDuplexCall: the stream ended before response ${i + 1}`);
        checkPayload(reply.value.payload, size, `response ${i + 1}`);
      }
      call.end();
      const after = await responses.next();
      check(after.done === true, 'FullDuplexCall: a fifth response arrived after the half-close');
    },
  },
  {
    name: 'empty_stream',
    async run({ plain }) {
      const call = plain.FullDuplexCall();
      call.end();
      let count = 0;
      for await (const _ of call) count++;
      check(count === 0, `FullDuplexCall: expected no responses, got ${count}`);
    },
  },
];
