import { bindValue, defineModule } from '@switchboard/core';
import { greeterClient } from './greeter-client';
import { FrontdeskConfigToken, frontdeskConfigSchema, type FrontdeskConfig } from './frontdesk-config';
import { FrontdeskService } from './frontdesk-service';

export { Frontdesk, Greeter } from './gen/services';
export { FrontdeskService } from './frontdesk-service';
export { FrontdeskConfigToken, frontdeskConfigSchema } from './frontdesk-config';
export type { FrontdeskConfig } from './frontdesk-config';
export { greeterClient } from './greeter-client';
export type { GetFrontdeskRequest, GetFrontdeskRequest__Output } from './gen/frontdesk/GetFrontdeskRequest';
export type { GetFrontdeskResponse, GetFrontdeskResponse__Output } from './gen/frontdesk/GetFrontdeskResponse';

/** The frontdesk app: `frontdesk.Frontdesk` with its own config key, calling greeter's `helloworld.Greeter`. */
export const frontdeskModule = defineModule<FrontdeskConfig>({
  name: 'frontdesk',
  config: frontdeskConfigSchema,
  clients: [greeterClient],
  services: [FrontdeskService],
  register: (container, config) => bindValue(container, FrontdeskConfigToken, config.frontdesk),
});

export default frontdeskModule;
