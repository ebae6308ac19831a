import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Empty as _grpc_testing_Empty, Empty__Output as _grpc_testing_Empty__Output } from './grpc/testing/Empty';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  grpc: {
    testing: {
      Empty: MessageTypeDefinition<_grpc_testing_Empty, _grpc_testing_Empty__Output>
    }
  }
}

