import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('shares a value for its lifetime, then loads again', async () => {
    const c = new TtlCache<number>(1000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([c.get('k', load, 0), c.get('k', load, 10)])).toEqual([1, 1]);
    expect(await c.get('k', load, 999)).toBe(1);
    expect(await c.get('k', load, 1000)).toBe(2);
    expect(await c.get('other', load, 1000)).toBe(3);
  });

  it('does not keep a failure', async () => {
    const c = new TtlCache<string>(1000);
    await expect(c.get('k', () => Promise.reject(new Error('down')), 0)).rejects.toThrow('down');
    await Promise.resolve();
    expect(await c.get('k', async () => 'up', 1)).toBe('up');
  });

  it('with a zero lifetime always loads', async () => {
    const c = new TtlCache<number>(0);
    let loads = 0;
    await c.get('k', async () => ++loads);
    await c.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });
});
