import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ConfigError } from './env/define.ts';
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

/** The `redis` section of the config: where Redis is and how keys are prefixed. */
export interface RedisSettings {
  url: string;
  prefix: string;
  /** Redis Cluster seed nodes; empty for one standalone Redis at `url`. */
  clusterNodes: ReadonlyArray<{ host: string; port: number }>;
}

/** The hash tag Redis Cluster would hash for keys starting with `prefix` (first `{…}`, non-empty), if any. */
export function hashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open === -1) return undefined;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/** What makes these settings unusable on Redis Cluster (empty when not in cluster mode or fine). */
export function redisClusterProblems(s: RedisSettings): string[] {
  if (s.clusterNodes.length === 0) return [];
  const problems: string[] = [];
  if (hashTag(s.prefix) === undefined) {
    const tag = s.prefix.replace(/[{}]/g, '') || 'fable';
    problems.push(
      `BULLMQ_PREFIX: "${s.prefix}" has no {hash-tag}, but REDIS_CLUSTER_NODES is set: on Redis Cluster every key of a queue must hash to one slot ` +
        `(BullMQ's scripts touch several keys at once and would fail with CROSSSLOT). Use BULLMQ_PREFIX={${tag}}.`,
    );
  }
  const path = new URL(s.url).pathname;
  if (path.length > 1 && path !== '/0') problems.push(`REDIS_URL: selects database ${path.slice(1)}, but Redis Cluster has only database 0 (REDIS_CLUSTER_NODES is set).`);
  return problems;
}

/** ioredis Cluster options from the REDIS_URL (credentials, TLS) and the role, like redisOptions. */
export function redisClusterOptions(url: string, role: RedisRole): ClusterOptions {
  const { host: _host, port: _port, db: _db, retryStrategy, tls, ...node } = redisOptions(url, role);
  return {
    // Per-node options; ioredis keeps node reconnects to itself (a lost node is found again through MOVED and a slots refresh).
    redisOptions: { ...node, ...(tls ? { tls: {} } : {}) },
    clusterRetryStrategy: (times) => retryStrategy?.(times) ?? 1000,
    enableReadyCheck: true,
    // With TLS, connect by host name so the certificate matches (ioredis would resolve to an IP first).
    ...(tls ? { dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) => callback(null, address) } : {}),
  };
}

/**
 * A connection for the role: one Redis at the URL, or a Redis Cluster client when the settings
 * list cluster nodes (a prefix without a hash tag is refused). A Cluster is typed as Redis: it
 * has the command interface every caller uses, and BullMQ accepts either.
 */
export function createRedis(target: string | RedisSettings, role: RedisRole): Redis {
  if (typeof target === 'string') return new Redis(redisOptions(target, role));
  if (target.clusterNodes.length === 0) return new Redis(redisOptions(target.url, role));
  const problems = redisClusterProblems(target);
  if (problems.length > 0) throw new ConfigError(problems);
  return new Cluster(target.clusterNodes.map((n) => ({ host: n.host, port: n.port })), redisClusterOptions(target.url, role)) as unknown as Redis;
}

/** True for an ioredis Cluster client (even when typed as Redis). */
export function isRedisCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

const keySlots = new Map<string, number>();

/**
 * The connection that holds `key`: the client itself, or on a Cluster the master connection that
 * owns the key's slot. WAIT and WAITAOF count the writes of one connection, so they must go there.
 */
export async function connectionForKey(client: Redis | Cluster, key: string): Promise<Redis> {
  if (!isRedisCluster(client)) return client;
  // A key's slot never changes (its owner can): ask once per key, not once per batch.
  let slot = keySlots.get(key);
  if (slot === undefined) {
    slot = Number(await client.cluster('KEYSLOT', key));
    keySlots.set(key, slot);
  }
  const owner = client.slots[slot]?.[0];
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  if (!node) throw new Error(`no connected Redis Cluster master owns slot ${slot} (key ${key})`);
  return node;
}

/**
 * Periodic work done once per interval across the fleet: true for the one caller that takes `key`
 * for the next `ms` (whichever process gets there first), false for every other until it lapses.
 */
export async function claimInterval(redis: Redis | Cluster, key: string, ms: number): Promise<boolean> {
  return (await redis.set(key, String(Date.now()), 'PX', ms, 'NX')) === 'OK';
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
 * Throws when the policy is wrong; warns when CONFIG is not allowed (managed Redis). On a
 * Cluster every master is checked and the facts are the weakest of them.
 */
export async function checkRedis(client: Redis | Cluster, log: Logger): Promise<RedisFacts> {
  if (!isRedisCluster(client)) return checkNode(client, log);
  // Masters are known once the slots are loaded; a command waits for that.
  await client.ping();
  const masters = client.nodes('master');
  const all = await Promise.all(masters.map((n) => checkNode(n, log, ` on ${n.options.host}:${n.options.port}`)));
  const versions = all.map((f) => f.version).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const known = all.every((f) => f.maxmemoryPolicy !== undefined);
  return {
    version: versions[0] ?? 'unknown',
    maxmemoryPolicy: known ? 'noeviction' : undefined,
    appendonly: all.every((f) => f.appendonly !== undefined) ? all.every((f) => f.appendonly) : undefined,
    supportsWaitAof: all.length > 0 && all.every((f) => f.supportsWaitAof),
  };
}

async function checkNode(client: Redis, log: Logger, where = ''): Promise<RedisFacts> {
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
      `cannot read Redis CONFIG${where} (managed Redis?): make sure maxmemory-policy is noeviction, or jobs can be evicted and lost`,
    );
    return facts;
  }
  if (facts.maxmemoryPolicy !== 'noeviction') {
    throw new RedisPolicyError(
      `Redis${where} maxmemory-policy is "${facts.maxmemoryPolicy}"; it must be "noeviction" or queued jobs can be silently evicted. ` +
        'Fix: CONFIG SET maxmemory-policy noeviction (and persist it in redis.conf / your provider settings).',
    );
  }
  return facts;
}
