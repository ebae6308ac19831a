import { UsageError } from '../src/command';
import { appNames } from '../src/scaffold/app-names';

const RESERVED = ['apps', 'clients', 'log', 'server'];

describe('the names switchboard new derives from an app name', () => {
  it('gives stock-room a PascalCase service, a camelCase config key, a snake_case proto package and an env prefix', () => {
    expect(appNames('stock-room', RESERVED)).toEqual({
      name: 'stock-room',
      pascal: 'StockRoom',
      camel: 'stockRoom',
      snake: 'stock_room',
      constant: 'STOCK_ROOM',
      packageName: '@switchboard/app-stock-room',
    });
  });

  it.each([['Inventory'], ['9lives'], ['stock_room'], ['stock--room'], ['-stock'], ['stock-'], ['a'.repeat(64)], ['']])(
    'refuses %j as not a lowercase DNS label',
    (name) => {
      expect(() => appNames(name, RESERVED)).toThrow(
        new UsageError(
          `invalid app name '${name}': use a lowercase DNS label (a-z, 0-9 and single '-', starting with a letter, at most 63 characters), e.g. inventory or stock-room`,
        ),
      );
    },
  );

  it('refuses names whose proto package would sit in google.* or grpc.*, and names whose config key the server owns', () => {
    expect(() => appNames('grpc-gateway', RESERVED)).toThrow("its proto package grpc_gateway would sit in grpc.*, reserved for gRPC's own protos");
    expect(() => appNames('google', RESERVED)).toThrow('reserved for gRPC');
    expect(() => appNames('server', RESERVED)).toThrow("its config key 'server' is taken by the server's own config (taken: apps, clients, log, server)");
    expect(appNames('a', RESERVED).pascal).toBe('A');
  });
});
