import { Service, inject } from '@switchboard/core';
import type { Client } from '@switchboard/client';
import { greeterClient } from './greeter-client';
import type { GetFrontdeskRequest__Output } from './gen/frontdesk/GetFrontdeskRequest';
import type { GetFrontdeskResponse } from './gen/frontdesk/GetFrontdeskResponse';
import { Frontdesk, type Greeter } from './gen/services';
import { FrontdeskConfigToken, type FrontdeskConfig } from './frontdesk-config';

/** `frontdesk.Frontdesk`: answers with the configured greeting and the name, with what helloworld.Greeter answers. */
@Service(Frontdesk)
export class FrontdeskService {
  constructor(
    @inject(FrontdeskConfigToken) private readonly config: FrontdeskConfig['frontdesk'],
    @inject(greeterClient.token) private readonly greeter: Client<typeof Greeter>,
  ) {}

  async GetFrontdesk(request: GetFrontdeskRequest__Output): Promise<GetFrontdeskResponse> {
    // Each call inherits this call's deadline and cancellation.
    const greeterReply = await this.greeter.SayHello({ name: request.name });
    return { message: `${this.config.greeting} ${request.name} (greeter: ${greeterReply.message})` };
  }
}
