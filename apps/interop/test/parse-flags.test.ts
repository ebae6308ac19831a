import { parseFlags } from '../src/flags';

describe('parseFlags', () => {
  it('takes --name=value and --name value alike, values with = or spaces kept', () => {
    expect(parseFlags(['--port=8080', '--test_case', 'a,b', '--server_host=x=y z'], ['port', 'test_case', 'server_host'])).toEqual({
      values: { port: '8080', test_case: 'a,b', server_host: 'x=y z' },
      help: false,
    });
  });

  it('names the unknown flag, the flag without a value and the stray word', () => {
    expect(parseFlags(['--prot=1'], ['port']).error).toBe('unknown flag --prot (known: --port)');
    expect(parseFlags(['--port'], ['port']).error).toBe('--port needs a value');
    expect(parseFlags(['--port', '--use_tls=false'], ['port', 'use_tls']).error).toBe('--port needs a value');
    expect(parseFlags(['8080'], ['port']).error).toBe("unexpected argument '8080'");
  });

  it('notes --help without failing', () => {
    expect(parseFlags(['--help'], ['port'])).toEqual({ values: {}, help: true });
  });
});
