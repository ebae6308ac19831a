import type { CaseStatus } from '../src/client/interop-case';
import { CASE_NAMES } from '../src/client/run-interop-case';

/** What one case must end with: its status and, unless it passes, what its reason must say. */
export interface Expected {
  readonly status: CaseStatus;
  readonly reason?: RegExp;
}

const PASS: Expected = { status: 'PASS' };
const unsupported = (reason: RegExp): Expected => ({ status: 'UNSUPPORTED', reason });

const SWITCHBOARD_SERVER_NO_RESPONSE_COMPRESSION = unsupported(/the server cannot compress responses: UNIMPLEMENTED .*grpc-js server never compresses/);
const PYTHON_SERVER_NO_EXPECT_COMPRESSED = unsupported(/the server cannot check expect_compressed: UNIMPLEMENTED .*grpcio shows a servicer neither/);

/**
 * The conformance table of the README, direction by direction: every case
 * not listed passes. Each UNSUPPORTED names the side and the limit.
 */
export const CONFORMANCE: Record<'switchboardToSwitchboard' | 'pythonToSwitchboard' | 'switchboardToPython', Record<string, Expected>> = {
  switchboardToSwitchboard: {
    server_compressed_unary: SWITCHBOARD_SERVER_NO_RESPONSE_COMPRESSION,
    server_compressed_streaming: SWITCHBOARD_SERVER_NO_RESPONSE_COMPRESSION,
  },
  pythonToSwitchboard: {
    client_compressed_streaming: unsupported(/probe was rejected with INVALID_ARGUMENT as required.*grpcio's Python API sets compression per call/),
    server_compressed_unary: SWITCHBOARD_SERVER_NO_RESPONSE_COMPRESSION,
    server_compressed_streaming: SWITCHBOARD_SERVER_NO_RESPONSE_COMPRESSION,
  },
  switchboardToPython: {
    client_compressed_unary: PYTHON_SERVER_NO_EXPECT_COMPRESSED,
    client_compressed_streaming: PYTHON_SERVER_NO_EXPECT_COMPRESSED,
    server_compressed_unary: unsupported(/both calls succeeded .* grpc-js gives a client no compressed flag/),
    server_compressed_streaming: unsupported(/both responses arrived .* grpc-js gives a client no compressed flag/),
  },
};

/** `[case, expected]` for every case of a direction, in the client's order. */
export function expectations(direction: keyof typeof CONFORMANCE): [string, Expected][] {
  return CASE_NAMES.map((name) => [name, CONFORMANCE[direction][name] ?? PASS]);
}
