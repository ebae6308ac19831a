import { Service } from '@switchboard/core';
import type { HelloReply } from './gen/helloworld/HelloReply';
import type { HelloRequest__Output } from './gen/helloworld/HelloRequest';
import { Greeter } from './gen/services';

/** `helloworld.Greeter`: answers `Hello <name>`. */
@Service(Greeter)
export class GreeterService {
  async SayHello(request: HelloRequest__Output): Promise<HelloReply> {
    return { message: `Hello ${request.name}` };
  }
}
