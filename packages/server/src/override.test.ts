import { Container } from 'inversify';
import { bindValue, createToken, resolve } from '@switchboard/core';
import { applyOverrides, override } from './override';

interface Clock {
  now(): number;
}
const ClockToken = createToken<Clock>('override-test/Clock');
const NamesToken = createToken<string>('override-test/Names');
const UnboundToken = createToken<number>('override-test/Unbound');

describe('applyOverrides', () => {
  it('replaces what a module bound with the override value', () => {
    const container = new Container();
    bindValue(container, ClockToken, { now: () => 1 });
    applyOverrides(container, [override(ClockToken, { now: () => 2 })]);
    expect(resolve(container, ClockToken).now()).toBe(2);
  });

  it('replaces every binding of a token bound several times with the one value', () => {
    const container = new Container();
    bindValue(container, NamesToken, 'a');
    bindValue(container, NamesToken, 'b');
    applyOverrides(container, [override(NamesToken, 'fake')]);
    expect(container.getAll(NamesToken.id)).toEqual(['fake']);
  });

  it('refuses tokens nothing binds, naming each, and changes nothing', () => {
    const container = new Container();
    bindValue(container, ClockToken, { now: () => 1 });
    expect(() => applyOverrides(container, [override(ClockToken, { now: () => 2 }), override(UnboundToken, 3)])).toThrow(
      "SB_ERR_UNBOUND: cannot override 'override-test/Unbound': no module binds it",
    );
    expect(resolve(container, ClockToken).now()).toBe(1);
  });
});
