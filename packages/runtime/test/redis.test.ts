import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { checkRedis, createLogger, redisOptions, RedisPolicyError } from '../src/index.ts';

describe('redis', () => {
  it('builds options per role from a URL', () => {
    expect(redisOptions('rediss://u:p%40ss@cache.example:6380/2', 'producer')).toMatchObject({
      host: 'cache.example',
      port: 6380,
      db: 2,
      username: 'u',
      password: 'p@ss',
      tls: { servername: 'cache.example' },
      maxRetriesPerRequest: 1,
    });
    expect(redisOptions('redis://127.0.0.1', 'worker').maxRetriesPerRequest).toBeNull();
  });

  it('refuses to start when Redis could evict jobs', async () => {
    const fake = {
      info: async () => 'redis_version:7.2.4\r\n',
      config: async (_op: string, key: string) => (key === 'maxmemory-policy' ? ['maxmemory-policy', 'allkeys-lru'] : ['appendonly', 'no']),
    } as unknown as Redis;
    await expect(checkRedis(fake, createLogger({ level: 'silent' }))).rejects.toBeInstanceOf(RedisPolicyError);
  });

  it('reads the facts of the real local Redis', async () => {
    const r = new Redis(redisOptions('redis://127.0.0.1:6379', 'producer'));
    try {
      const facts = await checkRedis(r, createLogger({ level: 'silent' }));
      expect(facts.maxmemoryPolicy).toBe('noeviction');
      expect(facts.version).toMatch(/^\d+\.\d+/);
    } finally {
      r.disconnect();
    }
  });
});
