import { Code, RpcError } from '@switchboard/core';
import { payload } from '../payload';
import { check, checkPayload, explain, serverLacksFeature, Unsupported, type InteropCase } from './interop-case';
import type { InteropStubs } from './interop-clients';

const NO_RESPONSE_FLAGS =
  'grpc-js gives a client no compressed flag per received message, so whether the server obeyed ' + 'response_compressed cannot be checked';

/**
 * Step 1 of the client_compressed_* cases: an uncompressed request with
 * expect_compressed true must fail with INVALID_ARGUMENT. Resolves to
 * Unsupported when the server answers UNIMPLEMENTED: it declares it cannot check.
 */
async function probe(call: Promise<unknown>, method: string): Promise<Unsupported | undefined> {
  const step = `${method} probe (uncompressed, expect_compressed true)`;
  try {
    await call;
  } catch (error) {
    if (serverLacksFeature(error)) return new Unsupported(`the server cannot check expect_compressed: ${explain(error)}`);
    check(RpcError.from(error).code === Code.INVALID_ARGUMENT, `${step}: expected INVALID_ARGUMENT, got ${explain(error)}`);
    return undefined;
  }
  throw new Error(`${step}: expected INVALID_ARGUMENT, the call succeeded`);
}

async function compressedUnary({ plain, gzip }: InteropStubs): Promise<Unsupported | void> {
  const request = (expect: boolean) => ({ expect_compressed: { value: expect }, response_size: 314159, payload: payload(271828) });
  const lacking = await probe(plain.UnaryCall(request(true)), 'UnaryCall');
  if (lacking !== undefined) return lacking;
  checkPayload((await gzip.UnaryCall(request(true))).payload, 314159, 'UnaryCall compressed, expect_compressed true');
  checkPayload((await plain.UnaryCall(request(false))).payload, 314159, 'UnaryCall uncompressed, expect_compressed false');
}

async function compressedStreaming({ plain, gzip }: InteropStubs): Promise<Unsupported | void> {
  const probeCall = plain.StreamingInputCall();
  await probeCall.write({ expect_compressed: { value: true }, payload: payload(27182) });
  probeCall.end();
  const lacking = await probe(probeCall.response, 'StreamingInputCall');
  if (lacking !== undefined) return lacking;
  // One gzip call: the first message compressed, the second written uncompressed.
  const call = gzip.StreamingInputCall();
  await call.write({ expect_compressed: { value: true }, payload: payload(27182) });
  await call.write({ expect_compressed: { value: false }, payload: payload(45904) }, { compress: false });
  call.end();
  const size = (await call.response).aggregated_payload_size;
  check(size === 73086, `StreamingInputCall compressed then uncompressed: expected aggregated_payload_size 73086, got ${size}`);
}

async function serverCompressedUnary({ plain }: InteropStubs): Promise<Unsupported | void> {
  for (const compressed of [true, false]) {
    const step = `UnaryCall response_compressed ${compressed}`;
    const response = await plain
      .UnaryCall({ response_compressed: { value: compressed }, response_size: 314159, payload: payload(271828) })
      .catch((e: unknown) => {
        if (compressed && serverLacksFeature(e)) return new Unsupported(`the server cannot compress responses: ${explain(e)}`);
        throw e;
      });
    if (response instanceof Unsupported) return response;
    checkPayload(response.payload, 314159, step);
  }
  return new Unsupported(`both calls succeeded with 314159-byte payloads, but ${NO_RESPONSE_FLAGS}`);
}

async function serverCompressedStreaming({ plain }: InteropStubs): Promise<Unsupported | void> {
  const sizes = [31415, 92653];
  const request = {
    response_parameters: [
      { compressed: { value: true }, size: sizes[0] },
      { compressed: { value: false }, size: sizes[1] },
    ],
  };
  let count = 0;
  try {
    for await (const response of plain.StreamingOutputCall(request)) {
      checkPayload(response.payload, sizes[count] ?? 0, `response ${count + 1}`);
      count++;
    }
  } catch (error) {
    if (count === 0 && serverLacksFeature(error)) return new Unsupported(`the server cannot compress responses: ${explain(error)}`);
    throw error;
  }
  check(count === 2, `StreamingOutputCall: expected 2 responses, got ${count}`);
  return new Unsupported(`both responses arrived with the right sizes, but ${NO_RESPONSE_FLAGS}`);
}

/**
 * The compression cases. client_compressed_unary runs in full on two
 * channels (plain and gzip); the others do every step that can be done and
 * end UNSUPPORTED naming the step that cannot.
 */
export const COMPRESSION_CASES: InteropCase[] = [
  { name: 'client_compressed_unary', run: compressedUnary },
  { name: 'client_compressed_streaming', run: compressedStreaming },
  { name: 'server_compressed_unary', run: serverCompressedUnary },
  { name: 'server_compressed_streaming', run: serverCompressedStreaming },
];
