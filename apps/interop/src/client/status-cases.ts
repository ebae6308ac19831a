import { Code } from '@switchboard/core';
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY } from '../echo-metadata';
import { payload } from '../payload';
import { check, checkPayload, expectCode, watchMetadata, type InteropCase } from './interop-case';

const INITIAL_VALUE = 'test_initial_metadata_value';
const TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

/** Checks the echoed header and trailer of one call. */
async function checkEcho(watch: ReturnType<typeof watchMetadata>, step: string): Promise<void> {
  const initial = (await watch.headers()).get(ECHO_INITIAL_KEY);
  check(initial.length === 1 && initial[0] === INITIAL_VALUE, `${step}: header ${ECHO_INITIAL_KEY} is ${JSON.stringify(initial)}, expected "${INITIAL_VALUE}"`);
  const trailing = (await watch.trailers()).get(ECHO_TRAILING_KEY);
  const hex = trailing.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : `text ${v}`));
  check(hex.length === 1 && hex[0] === 'ababab', `${step}: trailer ${ECHO_TRAILING_KEY} is ${JSON.stringify(hex)}, expected 0xababab`);
}

/** Metadata both ways, statuses and messages as sent, unknown methods and services. */
export const STATUS_CASES: InteropCase[] = [
  {
    name: 'custom_metadata',
    async run({ plain }) {
      const metadata = { [ECHO_INITIAL_KEY]: INITIAL_VALUE, [ECHO_TRAILING_KEY]: TRAILING_VALUE };
      const unary = watchMetadata();
      const response = await plain.UnaryCall({ response_size: 314159, payload: payload(271828) }, { metadata, ...unary });
      checkPayload(response.payload, 314159, 'UnaryCall');
      await checkEcho(unary, 'UnaryCall');

      const bidi = watchMetadata();
      const call = plain.FullDuplexCall({ metadata, ...bidi });
      await call.write({ response_parameters: [{ size: 314159 }], payload: payload(271828) });
      call.end();
      let count = 0;
      for await (const reply of call) checkPayload(reply.payload, 314159, `FullDuplexCall response ${++count}`);
      check(count === 1, `FullDuplexCall: expected 1 response, got ${count}`);
      await checkEcho(bidi, 'FullDuplexCall');
    },
  },
  {
    name: 'status_code_and_message',
    async run({ plain }) {
      const response_status = { code: 2, message: 'test status message' };
      const unary = await expectCode(plain.UnaryCall({ response_status }), Code.UNKNOWN, 'UnaryCall');
      check(unary.rawMessage === response_status.message, `UnaryCall: message ${JSON.stringify(unary.rawMessage)}, expected "test status message"`);
      const call = plain.FullDuplexCall();
      await call.write({ response_status });
      call.end();
      let responses = 0;
      const drained = (async () => {
        for await (const _ of call) responses++;
      })();
      const bidi = await expectCode(drained, Code.UNKNOWN, 'FullDuplexCall');
      check(responses === 0, `FullDuplexCall: ${responses} response(s) arrived before the status`);
      check(bidi.rawMessage === response_status.message, `FullDuplexCall: message ${JSON.stringify(bidi.rawMessage)}, expected "test status message"`);
    },
  },
  {
    name: 'special_status_message',
    async run({ plain }) {
      const error = await expectCode(plain.UnaryCall({ response_status: { code: 2, message: SPECIAL_MESSAGE } }), Code.UNKNOWN, 'UnaryCall');
      check(error.rawMessage === SPECIAL_MESSAGE, `UnaryCall: message ${JSON.stringify(error.rawMessage)}, expected ${JSON.stringify(SPECIAL_MESSAGE)}`);
    },
  },
  {
    name: 'unimplemented_method',
    async run({ plain }) {
      await expectCode(plain.UnimplementedCall({}), Code.UNIMPLEMENTED, 'TestService/UnimplementedCall');
    },
  },
  {
    name: 'unimplemented_service',
    async run({ unimplemented }) {
      await expectCode(unimplemented.UnimplementedCall({}), Code.UNIMPLEMENTED, 'UnimplementedService/UnimplementedCall');
    },
  },
];
