import * as path from 'node:path';
import { loadProto, serviceDescriptor } from '@switchboard/core';
import type { TestServiceDefinition, TestServiceHandlers } from './gen/grpc/testing/TestService';
import type { UnimplementedServiceDefinition, UnimplementedServiceHandlers } from './gen/grpc/testing/UnimplementedService';

const proto = loadProto(path.join(__dirname, '../proto/test.proto'));

/** `grpc.testing.TestService`, the service of every interop case. */
export const TestService = serviceDescriptor<TestServiceHandlers, TestServiceDefinition>(proto, 'grpc.testing.TestService');

/** `grpc.testing.UnimplementedService`: declared so clients can call it; no server serves it. */
export const UnimplementedService = serviceDescriptor<UnimplementedServiceHandlers, UnimplementedServiceDefinition>(proto, 'grpc.testing.UnimplementedService');
