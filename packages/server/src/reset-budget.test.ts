import { NGHTTP2_RESET_BURST, NGHTTP2_RESET_RATE_PER_S, RESET_RESERVE, ResetBudget } from './reset-budget';

describe('ResetBudget', () => {
  it('says to go away when the resets taken leave only the reserve of nghttp2 bucket', () => {
    const budget = new ResetBudget(() => 0);
    const spent = NGHTTP2_RESET_BURST - RESET_RESERVE;
    for (let i = 1; i < spent; i++) expect(budget.spend()).toBe(false);
    expect(budget.spend()).toBe(true);
  });

  it('gets tokens back at nghttp2 rate, never above the burst', () => {
    let now = 0;
    const budget = new ResetBudget(() => now);
    for (let i = 0; i < 400; i++) budget.spend();
    now = 1000; // one second: 33 back
    const left = NGHTTP2_RESET_BURST - 400 + NGHTTP2_RESET_RATE_PER_S - RESET_RESERVE;
    for (let i = 1; i < left; i++) expect(budget.spend()).toBe(false);
    expect(budget.spend()).toBe(true);
    now = 3_600_000; // an hour: full again, no more
    for (let i = 1; i < NGHTTP2_RESET_BURST - RESET_RESERVE; i++) expect(budget.spend()).toBe(false);
    expect(budget.spend()).toBe(true);
  });
});
