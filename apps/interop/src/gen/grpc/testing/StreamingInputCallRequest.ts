// Original file: proto/messages.proto

import type { Payload as _grpc_testing_Payload, Payload__Output as _grpc_testing_Payload__Output } from '../../grpc/testing/Payload';
import type { BoolValue as _grpc_testing_BoolValue, BoolValue__Output as _grpc_testing_BoolValue__Output } from '../../grpc/testing/BoolValue';

export interface StreamingInputCallRequest {
  'payload'?: (_grpc_testing_Payload | null);
  'expect_compressed'?: (_grpc_testing_BoolValue | null);
}

export interface StreamingInputCallRequest__Output {
  'payload': (_grpc_testing_Payload__Output | null);
  'expect_compressed': (_grpc_testing_BoolValue__Output | null);
}
