import { formatOf, fromEnv } from './formats';

describe('fromEnv', () => {
  it('reads whole numbers from digits only, keeping anything else as given', () => {
    expect(['0', '51005', '007'].map((t) => fromEnv(t, 'digits'))).toEqual([0, 51005, 7]);
    for (const text of ['51005abc', '0x10', '1e3', '-5', '+5', ' 80', '5.0', '', '99999999999999999999']) expect(fromEnv(text, 'digits')).toBe(text);
  });

  it('reads decimals, booleans, lists and JSON strictly', () => {
    expect([fromEnv('1.5', 'decimal'), fromEnv('2', 'decimal'), fromEnv('1.', 'decimal'), fromEnv('NaN', 'decimal'), fromEnv('Infinity', 'decimal')]).toEqual([
      1.5,
      2,
      '1.',
      'NaN',
      'Infinity',
    ]);
    expect([fromEnv('TRUE', 'boolean'), fromEnv('false', 'boolean'), fromEnv('yes', 'boolean'), fromEnv('1', 'boolean')]).toEqual([true, false, 'yes', '1']);
    expect([fromEnv('UNAVAILABLE, ABORTED', 'list'), fromEnv('', 'list'), fromEnv('a,,b', 'list')]).toEqual([['UNAVAILABLE', 'ABORTED'], [], ['a', '', 'b']]);
    expect([fromEnv('{"x-team":"core"}', 'json'), fromEnv('{x', 'json')]).toEqual([{ 'x-team': 'core' }, '{x']);
  });
});

describe('formatOf', () => {
  it('checks built-in constructors by type, with no conversion', () => {
    expect(formatOf({ format: Boolean }).problem('true')).toBe('must be true or false (a JSON boolean, not a string)');
    expect(formatOf({ format: Number }).problem(Number.NaN)).toBe('must be a number');
    expect(formatOf({ format: String }).problem(5)).toBe('must be a string');
    expect(formatOf({ format: Array }).problem('a,b')).toBe('must be an array');
  });

  it('checks a key without a format by the type of its default, and reads the environment alike', () => {
    const numeric = formatOf({ default: 5 });
    expect([numeric.problem('5'), numeric.problem(6), numeric.env]).toEqual(['must be of type Number', undefined, 'decimal']);
  });

  it('passes the message of a function format through', () => {
    const format = formatOf({
      format: (v: unknown) => {
        if (v !== 'ok') throw new Error('must be "ok"');
      },
      default: 'ok',
    });
    expect([format.problem('no'), format.problem('ok'), format.env]).toEqual(['must be "ok"', undefined, 'text']);
  });

  it('lists allowed values of an enumeration', () => {
    expect(formatOf({ format: ['a', 'b'] }).problem('A')).toBe('must be one of the possible values: ["a","b"]');
  });
});
