import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.ts';

export type RedisRole =
  /** BullMQ workers and blocking clients: wait for Redis forever, never drop a command. */
  | 'worker'
  /** Producers (bridge, API enqueue): fail fast so the caller can leave the message in SQS or answer 503. */
  | 'producer';

/** ioredis options from a redis:// or rediss:// URL, tuned for the role. */
export function redisOptions(url: string, role: RedisRole): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  const opts: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    db: Number.isInteger(db) ? db : 0,
    connectionName: `fable-jobs:${role}`,
    // Reconnect with capped backoff; never give up (a restart of Redis must not need our restart).
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
    reconnectOnError: (err) => /READONLY|LOADING/.test(err.message),
    enableReadyCheck: true,
  };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') opts.tls = { servername: opts.host ?? u.hostname };
  if (role === 'worker') {
    opts.maxRetriesPerRequest = null;
  } else {
    opts.maxRetriesPerRequest = 1;
    opts.connectTimeout = 5000;
    opts.commandTimeout = 5000;
  }
  return opts;
}

export function createRedis(url: string, role: RedisRole): Redis {
  return new Redis(redisOptions(url, role));
}

export class RedisPolicyError extends Error {
  override readonly name = 'RedisPolicyError';
}

export interface RedisFacts {
  version: string;
  maxmemoryPolicy: string | undefined;
  appendonly: boolean | undefined;
  /** WAITAOF exists from Redis 7.2. */
  supportsWaitAof: boolean;
}

/**
 * Start-up check: BullMQ needs `maxmemory-policy noeviction` (an evicted key is a lost job).
 * Throws when the policy is wrong; warns when CONFIG is not allowed (managed Redis).
 */
export async function checkRedis(client: Redis, log: Logger): Promise<RedisFacts> {
  const info = await client.info('server');
  const version = /redis_version:([^\r\n]+)/.exec(info)?.[1]?.trim() ?? 'unknown';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const facts: RedisFacts = { version, maxmemoryPolicy: undefined, appendonly: undefined, supportsWaitAof: major > 7 || (major === 7 && minor >= 2) };
  try {
    const policy = (await client.config('GET', 'maxmemory-policy')) as string[];
    const aof = (await client.config('GET', 'appendonly')) as string[];
    facts.maxmemoryPolicy = policy[1];
    facts.appendonly = aof[1] === 'yes';
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      'cannot read Redis CONFIG (managed Redis?): make sure maxmemory-policy is noeviction, or jobs can be evicted and lost',
    );
    return facts;
  }
  if (facts.maxmemoryPolicy !== 'noeviction') {
    throw new RedisPolicyError(
      `Redis maxmemory-policy is "${facts.maxmemoryPolicy}"; it must be "noeviction" or queued jobs can be silently evicted. ` +
        'Fix: CONFIG SET maxmemory-policy noeviction (and persist it in redis.conf / your provider settings).',
    );
  }
  return facts;
}
