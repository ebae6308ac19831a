// Original file: proto/messages.proto

import type { PayloadType as _grpc_testing_PayloadType, PayloadType__Output as _grpc_testing_PayloadType__Output } from '../../grpc/testing/PayloadType';
import type { Payload as _grpc_testing_Payload, Payload__Output as _grpc_testing_Payload__Output } from '../../grpc/testing/Payload';
import type { BoolValue as _grpc_testing_BoolValue, BoolValue__Output as _grpc_testing_BoolValue__Output } from '../../grpc/testing/BoolValue';
import type { EchoStatus as _grpc_testing_EchoStatus, EchoStatus__Output as _grpc_testing_EchoStatus__Output } from '../../grpc/testing/EchoStatus';
import type { TestOrcaReport as _grpc_testing_TestOrcaReport, TestOrcaReport__Output as _grpc_testing_TestOrcaReport__Output } from '../../grpc/testing/TestOrcaReport';

export interface SimpleRequest {
  'response_type'?: (_grpc_testing_PayloadType);
  'response_size'?: (number);
  'payload'?: (_grpc_testing_Payload | null);
  'fill_username'?: (boolean);
  'fill_oauth_scope'?: (boolean);
  'response_compressed'?: (_grpc_testing_BoolValue | null);
  'response_status'?: (_grpc_testing_EchoStatus | null);
  'expect_compressed'?: (_grpc_testing_BoolValue | null);
  'fill_server_id'?: (boolean);
  'fill_grpclb_route_type'?: (boolean);
  'orca_per_query_report'?: (_grpc_testing_TestOrcaReport | null);
}

export interface SimpleRequest__Output {
  'response_type': (_grpc_testing_PayloadType__Output);
  'response_size': (number);
  'payload': (_grpc_testing_Payload__Output | null);
  'fill_username': (boolean);
  'fill_oauth_scope': (boolean);
  'response_compressed': (_grpc_testing_BoolValue__Output | null);
  'response_status': (_grpc_testing_EchoStatus__Output | null);
  'expect_compressed': (_grpc_testing_BoolValue__Output | null);
  'fill_server_id': (boolean);
  'fill_grpclb_route_type': (boolean);
  'orca_per_query_report': (_grpc_testing_TestOrcaReport__Output | null);
}
