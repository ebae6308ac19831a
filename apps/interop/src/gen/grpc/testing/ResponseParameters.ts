// Original file: proto/messages.proto

import type { BoolValue as _grpc_testing_BoolValue, BoolValue__Output as _grpc_testing_BoolValue__Output } from '../../grpc/testing/BoolValue';

export interface ResponseParameters {
  'size'?: (number);
  'interval_us'?: (number);
  'compressed'?: (_grpc_testing_BoolValue | null);
}

export interface ResponseParameters__Output {
  'size': (number);
  'interval_us': (number);
  'compressed': (_grpc_testing_BoolValue__Output | null);
}
