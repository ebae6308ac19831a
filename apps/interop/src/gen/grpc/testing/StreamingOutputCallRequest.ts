// Original file: proto/messages.proto

import type { PayloadType as _grpc_testing_PayloadType, PayloadType__Output as _grpc_testing_PayloadType__Output } from '../../grpc/testing/PayloadType';
import type { ResponseParameters as _grpc_testing_ResponseParameters, ResponseParameters__Output as _grpc_testing_ResponseParameters__Output } from '../../grpc/testing/ResponseParameters';
import type { Payload as _grpc_testing_Payload, Payload__Output as _grpc_testing_Payload__Output } from '../../grpc/testing/Payload';
import type { EchoStatus as _grpc_testing_EchoStatus, EchoStatus__Output as _grpc_testing_EchoStatus__Output } from '../../grpc/testing/EchoStatus';
import type { TestOrcaReport as _grpc_testing_TestOrcaReport, TestOrcaReport__Output as _grpc_testing_TestOrcaReport__Output } from '../../grpc/testing/TestOrcaReport';

export interface StreamingOutputCallRequest {
  'response_type'?: (_grpc_testing_PayloadType);
  'response_parameters'?: (_grpc_testing_ResponseParameters)[];
  'payload'?: (_grpc_testing_Payload | null);
  'response_status'?: (_grpc_testing_EchoStatus | null);
  'orca_oob_report'?: (_grpc_testing_TestOrcaReport | null);
}

export interface StreamingOutputCallRequest__Output {
  'response_type': (_grpc_testing_PayloadType__Output);
  'response_parameters': (_grpc_testing_ResponseParameters__Output)[];
  'payload': (_grpc_testing_Payload__Output | null);
  'response_status': (_grpc_testing_EchoStatus__Output | null);
  'orca_oob_report': (_grpc_testing_TestOrcaReport__Output | null);
}
