import { PROTO_LOADER_OPTIONS } from '@switchboard/core';
import { genTypesFlags } from '../src/codegen/gen-types-flags';
import { servicesFile } from '../src/codegen/services-file';

describe('genTypesFlags', () => {
  it("derives proto-loader-gen-types' flags from core's PROTO_LOADER_OPTIONS", () => {
    expect(PROTO_LOADER_OPTIONS).toEqual({ keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    expect(genTypesFlags()).toEqual(['--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs']);
  });

  it('maps every option the generator has a flag for', () => {
    expect(genTypesFlags({ longs: Number, bytes: Array, arrays: true, objects: true, json: true, keepCase: false })).toEqual([
      '--longs=Number',
      '--bytes=Array',
      '--arrays',
      '--objects',
      '--json',
    ]);
  });

  it('refuses an option the generator cannot follow, naming it', () => {
    expect(() => genTypesFlags({ includeDirs: ['x'] })).toThrow(/proto-loader option includeDirs=\["x"\] has no proto-loader-gen-types flag/);
  });
});

describe('servicesFile', () => {
  const file = servicesFile([
    { fullName: 'grpc.testing.TestService', name: 'TestService', file: 'test.proto' },
    { fullName: 'grpc.testing.UnimplementedService', name: 'UnimplementedService', file: 'test.proto' },
    { fullName: 'helloworld.Greeter', name: 'Greeter', file: 'nested/helloworld.proto' },
  ]);

  it('loads each proto file once, shared by the services it declares', () => {
    expect(file.match(/loadProto\(/g)).toHaveLength(2);
    expect(file).toContain("const testProto = loadProto(path.join(__dirname, '../../proto/test.proto'));");
    expect(file).toContain("serviceDescriptor<TestServiceHandlers, TestServiceDefinition>(testProto, 'grpc.testing.TestService')");
  });

  it('binds both generics to the generated types of the service, imported from their generated file', () => {
    expect(file).toContain("import type { GreeterDefinition, GreeterHandlers } from './helloworld/Greeter';");
    expect(file).toContain("export const Greeter = serviceDescriptor<GreeterHandlers, GreeterDefinition>(nestedHelloworldProto, 'helloworld.Greeter');");
  });

  it('loads a nested file with proto/ as include root, as gen compiled it', () => {
    expect(file).toContain(
      "const nestedHelloworldProto = loadProto(path.join(__dirname, '../../proto/nested/helloworld.proto'), { includeDirs: [path.join(__dirname, '../../proto')] });",
    );
  });

  it('breaks a descriptor past the print width the way Prettier does', () => {
    expect(file).toContain(
      "export const UnimplementedService = serviceDescriptor<UnimplementedServiceHandlers, UnimplementedServiceDefinition>(\n  testProto,\n  'grpc.testing.UnimplementedService',\n);",
    );
  });

  it('refuses two services that would be exported under one name, naming both', () => {
    expect(() =>
      servicesFile([
        { fullName: 'a.Health', name: 'Health', file: 'a.proto' },
        { fullName: 'b.Health', name: 'Health', file: 'b.proto' },
      ]),
    ).toThrow('services a.Health (proto/a.proto) and b.Health (proto/b.proto) would both be exported as Health: rename one');
  });
});
