import { describe, expect, it } from 'vitest';
import { runScenario, Tally } from './result.ts';

describe('Tally', () => {
  it('a scenario without controls has not passed them (a check that cannot fail is a defect)', () => {
    const t = new Tally();
    t.attempt('a', false);
    expect(t.controlPassed).toBe(false);
    t.control('c', true);
    expect(t.controlPassed).toBe(true);
    t.control('d', false);
    expect(t.controlPassed).toBe(false);
  });

  it('counts attempts that got through and effects observed once', () => {
    const t = new Tally();
    t.attempt('a', true, 'answered 200');
    t.attempt('b', false);
    t.observe('table dropped', true);
    t.observe('nothing', false);
    const r = t.result('x', Date.now(), '');
    expect(r).toMatchObject({ attempts: 2, gotThrough: 2, breaches: ['a: answered 200', 'table dropped'] });
  });

  it('a scenario over its time limit fails loudly and still cleans up', async () => {
    let cleaned = false;
    await expect(
      runScenario('slow', 50, async (_t, defer) => {
        defer.add('x', () => (cleaned = true));
        await new Promise((r) => setTimeout(r, 500));
        return '';
      }),
    ).rejects.toThrow(/exceeded its 50 ms limit/);
    expect(cleaned).toBe(true);
  });
});
