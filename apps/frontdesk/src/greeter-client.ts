import { defineClient } from '@switchboard/client';
import { Greeter } from './gen/services';

/**
 * greeter's `helloworld.Greeter`, from proto/helloworld.proto (copied from apps/greeter: the contract, not
 * the app, so nothing imports it). `clients.greeter` in config; the default target is greeter on the
 * same server, as `switchboard start ./apps/frontdesk ./apps/greeter` runs them.
 */
export const greeterClient = defineClient('greeter', Greeter, { target: '127.0.0.1:50051' });
