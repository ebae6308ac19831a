import { Container } from 'inversify';
import type { ClientInterceptor } from './client-interceptor';
import { openModuleClients, type ModuleClient, type OpenModuleClients } from './module-client';

/** An opener that records what it was given and when its clients were closed. */
function recordingOpener(log: string[], fail = false): OpenModuleClients {
  return (clients, { named }) => {
    if (fail) throw new Error('bad client config');
    log.push(`open ${clients.map((c) => c.name).join(',')} named ${Object.keys(named).join(',') || 'none'}`);
    return { close: () => void log.push(`close ${clients.map((c) => c.name).join(',')}`) };
  };
}

const client = (name: string, open: OpenModuleClients): ModuleClient => ({ name, schema: {}, open });
const pass: ClientInterceptor = (call, next) => next(call);

describe('openModuleClients', () => {
  it('opens a client several modules declare once, all clients of one opener together, with every module named interceptor', () => {
    const log: string[] = [];
    const open = recordingOpener(log);
    const greeter = client('greeter', open);
    const orders = client('orders', open);
    const opened = openModuleClients(
      [
        { name: 'a', clients: [greeter], clientInterceptors: { auth: pass } },
        { name: 'b', clients: [greeter, orders], clientInterceptors: { timing: pass } },
      ],
      new Container(),
      {},
    );
    expect(log).toEqual(['open greeter,orders named auth,timing']);
    opened.close();
    expect(log).toEqual(['open greeter,orders named auth,timing', 'close greeter,orders']);
  });

  it('opens each kind of client with its own opener and closes them in reverse order', () => {
    const log: string[] = [];
    const opened = openModuleClients([{ name: 'a', clients: [client('one', recordingOpener(log)), client('two', recordingOpener(log))] }], new Container(), {});
    opened.close();
    expect(log).toEqual(['open one named none', 'open two named none', 'close two', 'close one']);
  });

  it('closes what it opened when a later opener fails, and throws that failure', () => {
    const log: string[] = [];
    const modules = [{ name: 'a', clients: [client('one', recordingOpener(log)), client('two', recordingOpener(log, true))] }];
    expect(() => openModuleClients(modules, new Container(), {})).toThrow('bad client config');
    expect(log).toEqual(['open one named none', 'close one']);
  });

  it('refuses two declarations of one client name, naming both modules', () => {
    const open = recordingOpener([]);
    const modules = [
      { name: 'a', clients: [client('greeter', open)] },
      { name: 'b', clients: [client('greeter', open)] },
    ];
    expect(() => openModuleClients(modules, new Container(), {})).toThrow(
      "SB_ERR_CONFIG: client 'greeter' is declared twice, by 'a' and by 'b': declare it once (defineClient) and list that in both",
    );
  });

  it('refuses one interceptor name given two different interceptors, naming both modules', () => {
    const modules = [
      { name: 'a', clientInterceptors: { auth: pass } },
      { name: 'b', clientInterceptors: { auth: ((call, next) => next(call)) as ClientInterceptor } },
    ];
    expect(() => openModuleClients(modules, new Container(), {})).toThrow("SB_ERR_CONFIG: client interceptor 'auth' of 'b' is already named by 'a'");
  });
});
