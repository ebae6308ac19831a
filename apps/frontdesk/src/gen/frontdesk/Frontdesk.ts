// Original file: proto/frontdesk.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetFrontdeskRequest as _frontdesk_GetFrontdeskRequest, GetFrontdeskRequest__Output as _frontdesk_GetFrontdeskRequest__Output } from '../frontdesk/GetFrontdeskRequest';
import type { GetFrontdeskResponse as _frontdesk_GetFrontdeskResponse, GetFrontdeskResponse__Output as _frontdesk_GetFrontdeskResponse__Output } from '../frontdesk/GetFrontdeskResponse';

export interface FrontdeskClient extends grpc.Client {
  GetFrontdesk(argument: _frontdesk_GetFrontdeskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  GetFrontdesk(argument: _frontdesk_GetFrontdeskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  GetFrontdesk(argument: _frontdesk_GetFrontdeskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  GetFrontdesk(argument: _frontdesk_GetFrontdeskRequest, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  getFrontdesk(argument: _frontdesk_GetFrontdeskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  getFrontdesk(argument: _frontdesk_GetFrontdeskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  getFrontdesk(argument: _frontdesk_GetFrontdeskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  getFrontdesk(argument: _frontdesk_GetFrontdeskRequest, callback: grpc.requestCallback<_frontdesk_GetFrontdeskResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface FrontdeskHandlers extends grpc.UntypedServiceImplementation {
  GetFrontdesk: grpc.handleUnaryCall<_frontdesk_GetFrontdeskRequest__Output, _frontdesk_GetFrontdeskResponse>;
  
}

export interface FrontdeskDefinition extends grpc.ServiceDefinition {
  GetFrontdesk: MethodDefinition<_frontdesk_GetFrontdeskRequest, _frontdesk_GetFrontdeskResponse, _frontdesk_GetFrontdeskRequest__Output, _frontdesk_GetFrontdeskResponse__Output>
}
