import type { Cluster, Redis } from 'ioredis';
import { connectionForKey, type Logger, type RedisFacts } from '@fable-jobs/runtime';

export interface Durability {
  mode: 'aof' | 'replicas' | 'none';
  replicas: number;
  timeoutMs: number;
}

export class NotDurableError extends Error {
  override readonly name = 'NotDurableError';
  readonly code = 'BRIDGE_NOT_DURABLE';
}

/**
 * Decide how the bridge confirms that Redis has durably stored a batch before it deletes the
 * messages from SQS. `auto` picks WAITAOF when Redis has AOF on (and supports it), else none
 * with a warning: a Redis crash could then lose jobs whose messages were already deleted.
 */
export function resolveDurability(
  requested: 'auto' | 'aof' | 'replicas' | 'none',
  facts: RedisFacts,
  opts: { replicas: number; timeoutMs: number },
  log: Logger,
): Durability {
  const base = { replicas: opts.replicas, timeoutMs: opts.timeoutMs };
  if (requested === 'aof' && !facts.supportsWaitAof) {
    throw new Error(`BRIDGE_DURABILITY=aof needs WAITAOF (Redis >= 7.2); this Redis is ${facts.version}. Use appendfsync always, replicas, or none.`);
  }
  if (requested === 'aof' || requested === 'replicas' || requested === 'none') {
    if (requested === 'none') log.warn('BRIDGE_DURABILITY=none: a Redis crash can lose jobs whose SQS messages were already deleted');
    return { mode: requested, ...base, replicas: requested === 'aof' ? 0 : opts.replicas };
  }
  if (facts.appendonly && facts.supportsWaitAof) {
    log.info('Redis has AOF on: the bridge waits for WAITAOF before deleting messages from SQS');
    return { mode: 'aof', ...base, replicas: 0 };
  }
  log.warn(
    { appendonly: facts.appendonly, redis: facts.version },
    facts.appendonly
      ? 'Redis has AOF on but no WAITAOF (< 7.2): durability cannot be confirmed before deleting from SQS (use appendfsync always, or Redis >= 7.2)'
      : 'Redis persistence (AOF) is off: a Redis crash can lose jobs whose SQS messages were already deleted. Set appendonly yes for production.',
  );
  return { mode: 'none', ...base };
}

/**
 * Wait until the writes made so far are durable, or throw. WAIT/WAITAOF count the writes of one
 * connection: on a cluster, that of the master owning `key` (the queues' hash tag puts every
 * job of the prefix in its slot).
 */
export async function confirmDurable(redis: Redis | Cluster, key: string, d: Durability): Promise<void> {
  if (d.mode === 'none') return;
  const client = await connectionForKey(redis, key);
  if (d.mode === 'aof') {
    const [local, replicas] = (await client.call('WAITAOF', '1', String(d.replicas), String(d.timeoutMs))) as [number, number];
    if (local < 1 || replicas < d.replicas) throw new NotDurableError(`WAITAOF: fsynced locally ${local}, on ${replicas}/${d.replicas} replicas within ${d.timeoutMs} ms`);
    return;
  }
  const acked = (await client.call('WAIT', String(d.replicas), String(d.timeoutMs))) as number;
  if (acked < d.replicas) throw new NotDurableError(`WAIT: ${acked}/${d.replicas} replicas acknowledged within ${d.timeoutMs} ms`);
}
