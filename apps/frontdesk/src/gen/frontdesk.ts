import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { FrontdeskClient as _frontdesk_FrontdeskClient, FrontdeskDefinition as _frontdesk_FrontdeskDefinition } from './frontdesk/Frontdesk';
import type { GetFrontdeskRequest as _frontdesk_GetFrontdeskRequest, GetFrontdeskRequest__Output as _frontdesk_GetFrontdeskRequest__Output } from './frontdesk/GetFrontdeskRequest';
import type { GetFrontdeskResponse as _frontdesk_GetFrontdeskResponse, GetFrontdeskResponse__Output as _frontdesk_GetFrontdeskResponse__Output } from './frontdesk/GetFrontdeskResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  frontdesk: {
    Frontdesk: SubtypeConstructor<typeof grpc.Client, _frontdesk_FrontdeskClient> & { service: _frontdesk_FrontdeskDefinition }
    GetFrontdeskRequest: MessageTypeDefinition<_frontdesk_GetFrontdeskRequest, _frontdesk_GetFrontdeskRequest__Output>
    GetFrontdeskResponse: MessageTypeDefinition<_frontdesk_GetFrontdeskResponse, _frontdesk_GetFrontdeskResponse__Output>
  }
}

