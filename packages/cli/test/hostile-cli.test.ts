import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyGenDiff, genDiff } from '../src/codegen/gen-diff';
import { servicesFile } from '../src/codegen/services-file';
import { appNames, clientNameClash } from '../src/scaffold/app-names';

describe('hostile names and races, below the command line', () => {
  // was: applyGenDiff threw ENOENT when another gen had removed a file or folder first
  it('applies a gen diff whose extra files and folders another gen has already removed', () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-diff-'));
    try {
      fs.mkdirSync(path.join(app, 'src/gen/a/b'), { recursive: true });
      fs.writeFileSync(path.join(app, 'src/gen/a/b/extra.ts'), 'export {};\n');
      const diff = genDiff(app, new Map([['services.ts', Buffer.from('export {};\n')]]));
      expect(diff.extra).toEqual(['src/gen/a/b/extra.ts']);
      fs.rmSync(path.join(app, 'src/gen/a'), { recursive: true });
      expect(() => applyGenDiff(diff)).not.toThrow();
      expect(fs.readdirSync(path.join(app, 'src/gen'))).toEqual(['services.ts']);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  it.each(['delete', 'class', 'yield', 'arguments', '__dirname', 'exports'])('refuses a service named %s, which no export const can take', (name) => {
    expect(() => servicesFile([{ fullName: `p.${name}`, name, file: 'p.proto' }])).toThrow(
      `service p.${name} (proto/p.proto) cannot be exported as ${name}, a reserved word in JavaScript or a name CommonJS modules use: rename the service`,
    );
  });

  it.each([
    ['service', 'Service'],
    ['code', 'Code'],
    ['rpc-error', 'RpcError'],
    ['client', 'Client'],
    ['test-server', 'TestServer'],
  ])('refuses the app name %s, whose service %s the generated code imports already', (name, pascal) => {
    expect(() => appNames(name, [])).toThrow(`its service ${pascal} would clash with the ${pascal} the generated code imports`);
  });

  it.each(['con', 'prn', 'aux', 'nul', 'com1', 'lpt9'])('refuses %s, a device name on Windows', (name) => {
    expect(() => appNames(name, [])).toThrow('Windows reserves it as a device name');
  });

  it('names the clash of a client service with the new app\u2019s own names, and accepts one without', () => {
    const shop = appNames('shop', []);
    expect(clientNameClash(shop, 'ShopService')).toBe("its service ShopService would clash with the new app's own ShopService: choose another app name");
    expect(clientNameClash(shop, 'Code')).toBe('its service Code would clash with the Code the generated code imports');
    expect(clientNameClash(shop, 'Greeter')).toBeUndefined();
  });
});
