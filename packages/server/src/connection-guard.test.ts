import * as grpc from '@grpc/grpc-js';
import { http2ServersOf } from './connection-guard';

describe('http2ServersOf', () => {
  it("reaches the pinned grpc-js server's HTTP/2 servers (none before bind)", () => {
    expect(http2ServersOf(new grpc.Server()).size).toBe(0);
  });

  it('fails with SB_ERR_LISTEN, naming the cause, when grpc-js no longer keeps them where expected', () => {
    const moved = Object.assign(new grpc.Server(), { http2Servers: undefined }) as grpc.Server;
    expect(() => http2ServersOf(moved)).toThrow(/SB_ERR_LISTEN: cannot reach the HTTP\/2 servers of @grpc\/grpc-js/);
    const changed = Object.assign(new grpc.Server(), { http2Servers: new Map([[{}, { sessions: new Set() }]]) }) as grpc.Server;
    expect(() => http2ServersOf(changed)).toThrow(/Server.http2Servers is gone or changed/);
  });
});
