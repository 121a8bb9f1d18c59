import type { Redis } from 'ioredis';

export type RedisClient = Redis;

// Two continuous token buckets (model requests, model tokens) in one Redis hash, refilled
// from Redis' own clock so every worker sees the same level. Returns 0 and takes the
// reservation, or the milliseconds until both buckets could cover it (taking nothing).
// ARGV: reqCap, reqPerMs, tokCap, tokPerMs, tokens wanted, force (1 = take even if short).
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reqCap, reqRate = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokCap, tokRate = tonumber(ARGV[3]), tonumber(ARGV[4])
local want, force = math.min(tonumber(ARGV[5]), tokCap), ARGV[6] == '1'
local v = redis.call('HMGET', KEYS[1], 'r', 'k', 'ts')
local r, k, ts = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
if ts == nil then r, k, ts = reqCap, tokCap, now end
local dt = math.max(0, now - ts)
r = math.min(reqCap, r + dt * reqRate)
k = math.min(tokCap, k + dt * tokRate)
local wait = 0
if r < 1 then wait = math.ceil((1 - r) / reqRate) end
if k < want then wait = math.max(wait, math.ceil((want - k) / tokRate)) end
if wait > 0 and not force then return wait end
redis.call('HSET', KEYS[1], 'r', tostring(r - 1), 'k', tostring(k - want), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return 0
`;

// Settle a reservation with what the call really used: delta > 0 gives tokens back
// (never above capacity), delta < 0 takes more (the bucket may go into debt).
const SETTLE = `
local v = redis.call('HMGET', KEYS[1], 'k')
local k = tonumber(v[1])
if k == nil then return 0 end
k = math.min(tonumber(ARGV[1]), k + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'k', tostring(k))
return 0
`;

export interface LimiterOptions {
  requestsPerMinute: number;
  tokensPerMinute: number;
  /** Bucket size in seconds of budget (a burst may spend this much at once). */
  burstSeconds: number;
}

/**
 * The llm pool's global budget of model requests and tokens per minute, shared by every
 * worker through Redis. BullMQ's own limiter counts jobs; this counts what a job costs. The
 * buckets hold `burstSeconds` of budget, so a burst of users is spread over the minute
 * instead of hitting the provider all at once.
 */
export class ModelRateLimiter {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #opts: LimiterOptions;

  constructor(redis: RedisClient, prefix: string, opts: LimiterOptions) {
    this.#redis = redis;
    this.#key = `${prefix}:llm:model-budget`;
    this.#opts = opts;
  }

  get capacityTokens(): number {
    return Math.max(1, (this.#opts.tokensPerMinute * this.#opts.burstSeconds) / 60);
  }

  get capacityRequests(): number {
    return Math.max(1, (this.#opts.requestsPerMinute * this.#opts.burstSeconds) / 60);
  }

  /**
   * Reserve one request and `tokens`; 0 when granted, else the wait in ms (nothing taken).
   * `force` takes the reservation regardless (a corrective retry finishing a started run).
   */
  async acquire(tokens: number, opts: { force?: boolean } = {}): Promise<number> {
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.#opts;
    const wait = await this.#redis.eval(ACQUIRE, 1, this.#key, this.capacityRequests, rpm / 60_000, this.capacityTokens, tpm / 60_000, Math.max(0, Math.ceil(tokens)), opts.force ? '1' : '0');
    return Number(wait);
  }

  /** Give back `reserved - used` tokens once the call reported its usage. */
  async settle(reserved: number, used: number): Promise<void> {
    const delta = Math.min(reserved, this.capacityTokens) - used;
    if (delta !== 0) await this.#redis.eval(SETTLE, 1, this.#key, this.capacityTokens, delta);
  }
}
