import { defineModule } from '@switchboard/core';
import { InteropTestService } from './interop-test-service';

export { TestService, UnimplementedService } from './gen/services';
export { InteropTestService, SERVER_ID } from './interop-test-service';
export { checkExpectCompressed, requestEncoding } from './request-encoding';
export { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, echoMetadata } from './echo-metadata';
export { payload, payloadMismatch } from './payload';

/**
 * The interop server: `grpc.testing.TestService`. UnimplementedService is
 * deliberately not served, so grpc-js answers it UNIMPLEMENTED as an unknown
 * service, which is what `unimplemented_service` checks.
 */
export const interopModule = defineModule({ name: 'interop', services: [InteropTestService] });

export default interopModule;
