import { createToken } from '@switchboard/core';

/** The frontdesk app's own config keys. */
export interface FrontdeskConfig {
  frontdesk: { greeting: string };
}

/** Convict schema of {@link FrontdeskConfig}. */
export const frontdeskConfigSchema = {
  frontdesk: {
    greeting: { doc: 'What GetFrontdesk answers before the name.', format: String, default: 'Hello', env: 'FRONTDESK_GREETING' },
  },
};

/** The validated `frontdesk` section. */
export const FrontdeskConfigToken = createToken<FrontdeskConfig['frontdesk']>('frontdesk/Config');
