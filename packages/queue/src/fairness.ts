import type { Redis } from 'ioredis';

/** Highest BullMQ priority value (2^21 - 1). */
const MAX_PRIORITY = 2_097_151;
const BACKLOG_TTL_SECONDS = 7 * 24 * 3600;

// Drop expired leases; keep or take one if the key has a free slot. Returns 1 when held.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local expires = tonumber(ARGV[1]) + tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], expires, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/**
 * Fair share between the keys (tenants) of one queue, without BullMQ Pro groups:
 * - at enqueue, a job's priority is its key's backlog (1 for a key with nothing queued), so a
 *   tenant with one job overtakes another tenant's flood;
 * - at run time, at most `max` jobs of one key hold a lease (a sorted set of job ids with
 *   expiry, renewed while running, so a crashed worker's lease lapses on its own); a job over
 *   the cap is put back with a growing delay instead of holding a worker slot.
 */
export class Fairness {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #backlogKey(queue: string, key: string): string {
    return `${this.#prefix}:${queue}:fair:backlog:${key}`;
  }

  #leaseKey(queue: string, key: string): string {
    return `${this.#prefix}:${queue}:fair:active:${key}`;
  }

  /** Count the new jobs into their keys' backlogs; returns each job's priority. */
  async priorities(queue: string, keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const pipe = this.#redis.pipeline();
    for (const k of keys) pipe.incr(this.#backlogKey(queue, k)).expire(this.#backlogKey(queue, k), BACKLOG_TTL_SECONDS);
    const res = await pipe.exec();
    return keys.map((_, i) => Math.min(MAX_PRIORITY, Math.max(1, Number(res?.[i * 2]?.[1] ?? 1))));
  }

  /** A job of this key finished for good (completed or failed finally). */
  async done(queue: string, key: string): Promise<void> {
    const k = this.#backlogKey(queue, key);
    const n = await this.#redis.decr(k);
    if (n <= 0) await this.#redis.del(k);
  }

  async acquire(queue: string, key: string, jobId: string, max: number, ttlMs: number): Promise<boolean> {
    const r = await this.#redis.eval(ACQUIRE, 1, this.#leaseKey(queue, key), String(Date.now()), String(ttlMs), String(max), jobId);
    return r === 1;
  }

  async release(queue: string, key: string, jobId: string): Promise<void> {
    await this.#redis.zrem(this.#leaseKey(queue, key), jobId);
  }
}

/** Delay before a capped job tries again: doubles per deferral, 250 ms to 15 s, with jitter. */
export function deferralDelayMs(deferrals: number): number {
  const base = Math.min(15_000, 250 * 2 ** Math.max(0, Math.min(deferrals, 6)));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
