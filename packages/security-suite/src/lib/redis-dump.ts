import type { Redis } from 'ioredis';

export interface Dump {
  /** Key → `<type> <value as JSON>`. */
  values: Map<string, string>;
  /** Keys that had a time to live (they may vanish on their own). */
  volatile: Set<string>;
}

/** Every key under `<prefix>:` with its value serialised by type (string, hash, list, set, zset, stream). */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Dump> {
  const out = new Map<string, string>();
  const volatile = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if ((await redis.pttl(key)) > 0) volatile.add(key);
      let value: unknown;
      switch (type) {
        case 'string':
          value = await redis.getBuffer(key).then((b) => b?.toString('utf8'));
          break;
        case 'hash':
          value = await redis.hgetall(key);
          break;
        case 'list':
          value = await redis.lrange(key, 0, -1);
          break;
        case 'set':
          value = (await redis.smembers(key)).sort();
          break;
        case 'zset':
          value = await redis.zrange(key, 0, -1, 'WITHSCORES');
          break;
        case 'stream':
          value = await redis.xrange(key, '-', '+');
          break;
        default:
          value = `(${type})`;
      }
      out.set(key, `${type} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return { values: out, volatile };
}

/** Keys added, removed or changed between two dumps (a key with a TTL that expired is not a change). */
export function diffDumps(before: Dump, after: Dump): string[] {
  const changed: string[] = [];
  for (const [k, v] of after.values) if (!before.values.has(k)) changed.push(`+${k}`);
  else if (before.values.get(k) !== v) changed.push(`~${k}`);
  for (const k of before.values.keys()) if (!after.values.has(k) && !before.volatile.has(k)) changed.push(`-${k}`);
  return changed.sort();
}
