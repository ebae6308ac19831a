import * as path from 'node:path';
import { loadProto, serviceDescriptor } from '@switchboard/core';
import type { GreeterDefinition, GreeterHandlers } from './gen/helloworld/Greeter';

/** `helloworld.Greeter`, typed by its generated handlers. */
export const Greeter = serviceDescriptor<GreeterHandlers, GreeterDefinition>(
  loadProto(path.join(__dirname, '../proto/helloworld.proto')),
  'helloworld.Greeter',
);
