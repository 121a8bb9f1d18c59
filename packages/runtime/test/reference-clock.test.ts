import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ReferenceClock } from '../src/index.ts';

describe('ReferenceClock', () => {
  it("follows the reference's time, not this host's", async () => {
    // A reference 5 minutes ahead of this host.
    const clock = new ReferenceClock({ time: async () => [Math.floor((Date.now() + 300_000) / 1000), 0] });
    await clock.sync();
    expect(Math.abs(clock.now() - (Date.now() + 300_000))).toBeLessThan(1500);
    expect(clock.offsetMs).toBeGreaterThan(298_000);
  });

  it('reads the real Redis TIME', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const clock = new ReferenceClock(redis);
      await clock.sync();
      expect(Math.abs(clock.offsetMs)).toBeLessThan(1000); // same machine
    } finally {
      redis.disconnect();
    }
  });
});
