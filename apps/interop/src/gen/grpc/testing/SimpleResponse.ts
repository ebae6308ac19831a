// Original file: proto/messages.proto

import type { Payload as _grpc_testing_Payload, Payload__Output as _grpc_testing_Payload__Output } from '../../grpc/testing/Payload';
import type { GrpclbRouteType as _grpc_testing_GrpclbRouteType, GrpclbRouteType__Output as _grpc_testing_GrpclbRouteType__Output } from '../../grpc/testing/GrpclbRouteType';

export interface SimpleResponse {
  'payload'?: (_grpc_testing_Payload | null);
  'username'?: (string);
  'oauth_scope'?: (string);
  'server_id'?: (string);
  'grpclb_route_type'?: (_grpc_testing_GrpclbRouteType);
  'hostname'?: (string);
}

export interface SimpleResponse__Output {
  'payload': (_grpc_testing_Payload__Output | null);
  'username': (string);
  'oauth_scope': (string);
  'server_id': (string);
  'grpclb_route_type': (_grpc_testing_GrpclbRouteType__Output);
  'hostname': (string);
}
