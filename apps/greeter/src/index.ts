import { defineModule } from '@switchboard/core';
import { GreeterService } from './greeter-service';

export { Greeter } from './gen/services';
export { GreeterService } from './greeter-service';
export type { HelloRequest, HelloRequest__Output } from './gen/helloworld/HelloRequest';
export type { HelloReply, HelloReply__Output } from './gen/helloworld/HelloReply';
export type { GreeterClient } from './gen/helloworld/Greeter';

/** The greeter app: `helloworld.Greeter` on whatever server hosts it. */
export const greeterModule = defineModule({ name: 'greeter', services: [GreeterService] });

export default greeterModule;
