// The fleet on a real 3-node Redis Cluster: jobs, fair share and the bridge process must keep
// every key of the fleet in the prefix's hash slot (BullMQ's scripts are multi-key).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import { encodeMessage, registry, type ProcessorMap } from '@fable-jobs/contracts';
import { EffectsRepo, mysqlKnex, type Knex } from '@fable-jobs/db';
import { ConfigError, checkRedis, connectionForKey, createLogger, createRedis, hashTag, isRedisCluster, redisClusterOptions, type RedisSettings } from '@fable-jobs/runtime';
import { spawnCli, startRedisCluster, startSqs, testConfig, until, type Proc, type RedisClusterHandle, type SqsFixture } from '@fable-jobs/testing';
import { PoolRunner, QueueSet, enqueue, enqueueBulk, systemProcessors } from '../src/index.ts';

const log = createLogger({ level: 'silent' });
let cluster: RedisClusterHandle;
let sqs: SqsFixture;
let mysql: Knex;
const opened: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [cluster, sqs] = await Promise.all([startRedisCluster({ masters: 3 }), startSqs()]);
  mysql = mysqlKnex(testConfig().config.mysql);
});
afterAll(async () => {
  for (const close of opened.reverse()) await close().catch(() => {});
  await Promise.all([cluster?.stop(), sqs?.stop(), mysql?.destroy()]);
});

function settings(prefix: string): RedisSettings {
  // REDIS_URL only carries credentials and TLS in cluster mode; its host is not used.
  return { url: 'redis://127.0.0.1:1', prefix, clusterNodes: cluster.nodes };
}

/** Producer and worker clients of one test, closed at the end of the file. */
function clients(prefix: string): { producer: Redis; worker: Redis } {
  const producer = createRedis(settings(prefix), 'producer');
  const worker = createRedis(settings(prefix), 'worker');
  for (const c of [producer, worker]) {
    c.on('error', () => {});
    opened.push(async () => c.quit());
  }
  return { producer, worker };
}

/** Every key under `prefix`, read on each master, with the slot the cluster puts it in. */
async function keysBySlot(client: Redis, prefix: string): Promise<Map<number, string[]>> {
  const c = client as unknown as Cluster;
  const out = new Map<number, string[]>();
  for (const node of c.nodes('master')) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const k of keys) {
      const slot = Number(await node.cluster('KEYSLOT', k));
      out.set(slot, [...(out.get(slot) ?? []), k]);
    }
  }
  return out;
}

const newPrefix = () => `{ct-${randomBytes(3).toString('hex')}}`;

describe('Redis Cluster', () => {
  it('reads the hash tag Redis would hash, and takes credentials and TLS for every node from REDIS_URL', () => {
    expect(hashTag('{fable}')).toBe('fable');
    expect(hashTag('jobs{eu}')).toBe('eu');
    expect(hashTag('fable')).toBeUndefined();
    expect(hashTag('{}fable')).toBeUndefined();
    expect(hashTag('a}{b}')).toBe('b');
    const o = redisClusterOptions('rediss://svc:p%40ss@ignored.example:6380', 'producer');
    expect(o.redisOptions).toMatchObject({ username: 'svc', password: 'p@ss', tls: {}, maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000 });
    expect(o.redisOptions).not.toHaveProperty('host');
    expect(typeof o.dnsLookup).toBe('function');
    expect(redisClusterOptions('redis://x', 'worker').redisOptions?.maxRetriesPerRequest).toBeNull();
  });

  it('refuses a prefix without a hash tag, in createRedis and at CLI start-up', async () => {
    expect(() => createRedis(settings('fable'), 'producer')).toThrow(ConfigError);
    expect(() => createRedis(settings('fable'), 'producer')).toThrow(/BULLMQ_PREFIX: "fable" has no \{hash-tag\}.*Use BULLMQ_PREFIX=\{fable\}/);
    expect(() => createRedis({ ...settings('{fable}'), url: 'redis://127.0.0.1:1/3' }, 'producer')).toThrow(/only database 0/);
    const proc = spawnCli(['worker', '--pool', 'system'], { REDIS_CLUSTER_NODES: cluster.nodesSetting, BULLMQ_PREFIX: 'plain-prefix' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.lines.join('\n')).toMatch(/invalid configuration.*\n.*BULLMQ_PREFIX: "plain-prefix" has no \{hash-tag\}/);
  });

  it('createRedis gives a Cluster client with the role options; the start-up check reads every master', async () => {
    const { producer, worker } = clients(newPrefix());
    expect(isRedisCluster(producer)).toBe(true);
    const p = producer as unknown as Cluster;
    const w = worker as unknown as Cluster;
    expect(p.options.redisOptions).toMatchObject({ maxRetriesPerRequest: 1, commandTimeout: 5000 });
    expect(w.options.redisOptions?.maxRetriesPerRequest).toBeNull();
    const facts = await checkRedis(producer, log);
    expect(p.nodes('master')).toHaveLength(3);
    expect(facts).toMatchObject({ maxmemoryPolicy: 'noeviction', appendonly: false });
    expect(facts.version).toMatch(/^\d+\.\d+/);
  });

  it('enqueue → PoolRunner (system pool) → completion, every key of the prefix in one slot', async () => {
    const prefix = newPrefix();
    const { producer, worker } = clients(prefix);
    const queues = new QueueSet({ connection: producer, prefix });
    const runner = new PoolRunner({ connection: worker, queues, log }).add('system', systemProcessors({ effects: new EffectsRepo(mysql) }));
    opened.push(() => queues.close(), () => runner.forceClose());
    await runner.start();

    const effect = (i: number) => `cluster-${prefix}-${i}`;
    await enqueue(queues, { name: 'system.effect', data: { effectKey: effect(0) }, jobId: 'single' });
    await enqueueBulk(queues, Array.from({ length: 20 }, (_, i) => ({ name: 'system.effect' as const, data: { effectKey: effect(i + 1) }, jobId: `bulk-${i}` })));
    await enqueue(queues, { name: 'system.noop', data: { note: 'n' }, jobId: 'noop-1' });

    const effects = new EffectsRepo(mysql);
    await until(async () => (await effects.counts(`cluster-${prefix}-`)).size === 21, { timeoutMs: 30_000, what: '21 effects' });
    await until(async () => (await queues.get('system.noop').getJobState('noop-1')) === 'completed', { what: 'noop completed' });
    expect([...(await effects.counts(`cluster-${prefix}-`)).values()].every((n) => n === 1)).toBe(true);
    expect(await queues.get('system.effect').getCompletedCount()).toBe(21);

    const slots = await keysBySlot(producer, prefix);
    expect(slots.size).toBe(1);
    const [keys = []] = [...slots.values()];
    expect(keys).toEqual(expect.arrayContaining([`${prefix}:system.effect:completed`, `${prefix}:system.noop:meta`]));

    // WAIT/WAITAOF must reach the master that took the writes: connectionForKey finds it.
    const owner = await connectionForKey(producer, `${prefix}:system.effect:meta`);
    expect(await owner.exists(`${prefix}:system.effect:meta`)).toBe(1);
    expect(await owner.call('WAIT', '0', '100')).toBe(0);
  });

  it('fair share on a cluster: backlog priorities, at most 5 leases per tenant, counters cleared', async () => {
    const prefix = newPrefix();
    const { producer, worker } = clients(prefix);
    const queues = new QueueSet({ connection: producer, prefix });
    const Q = 'integrations.tenant-webhook';
    const active = new Map<string, number>();
    const maxActive = new Map<string, number>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stub = async (data: { integrationId?: string }) => {
      const k = String(data.integrationId);
      active.set(k, (active.get(k) ?? 0) + 1);
      maxActive.set(k, Math.max(maxActive.get(k) ?? 0, active.get(k) ?? 0));
      await gate;
      active.set(k, (active.get(k) ?? 0) - 1);
      return {};
    };
    // The pool's real fairness path in the runner, with processors that only count.
    const processors = Object.fromEntries(registry.jobsOfPool('integrations').map((j) => [j.name, stub])) as unknown as ProcessorMap<'integrations'>;
    const runner = new PoolRunner({ connection: worker, queues, log }).add('integrations', processors);
    opened.push(() => queues.close(), async () => (release(), runner.forceClose()));

    const flood = await enqueueBulk(queues, Array.from({ length: 12 }, (_, n) => ({ name: Q, data: { integrationId: '101', event: 'E', eventPayload: { n } }, jobId: `a-${n}` })));
    const [single] = await enqueueBulk(queues, [{ name: Q, data: { integrationId: '202', event: 'E', eventPayload: {} }, jobId: 'b-0' }]);
    expect(flood.map((j) => j.opts.priority)).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
    expect(single?.opts.priority).toBe(1);

    await runner.start();
    // Tenant 101 holds its 5 leases, the rest went back to delayed; tenant 202 runs beside them.
    await until(async () => active.get('101') === 5 && active.get('202') === 1 && (await queues.get(Q).getDelayedCount()) > 0, { timeoutMs: 20_000, what: '5 + 1 running, the rest deferred' });
    const leases = `${prefix}:${Q}:fair:active:101`;
    expect(await producer.zcard(leases)).toBe(5);
    release();
    await until(async () => (await queues.get(Q).getCompletedCount()) === 13, { timeoutMs: 40_000, what: '13 deliveries completed' });
    expect(maxActive.get('101')).toBe(5);
    expect(await producer.exists(leases, `${prefix}:${Q}:fair:backlog:101`, `${prefix}:${Q}:fair:backlog:202`)).toBe(0);
    expect((await keysBySlot(producer, prefix)).size).toBe(1);
  });

  it('a `fable-jobs bridge` process on the cluster publishes its liveness and enqueues into the prefix slot', async () => {
    const prefix = newPrefix();
    const { producer, worker } = clients(prefix);
    const { queueUrl, name } = await sqs.createQueues();
    const bridge: Proc = spawnCli(['bridge'], {
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_CLUSTER_NODES: cluster.nodesSetting,
      BULLMQ_PREFIX: prefix,
      AWS_ENDPOINT_URL: sqs.endpoint,
      SQS_Q_NAME: name,
      BRIDGE_WAIT_SECONDS: '1',
    });
    opened.push(async () => (bridge.child.kill('SIGTERM'), await bridge.exited));
    await bridge.waitForLine(/bridge polling/, 60_000);

    const liveness = `${prefix}:fable:bridge:liveness`;
    await until(async () => (await producer.get(liveness)) !== null, { what: 'bridge liveness in Redis' });
    expect(JSON.parse((await producer.get(liveness)) ?? '{}')).toMatchObject({ ok: true, paused: false });

    const queues = new QueueSet({ connection: producer, prefix });
    const runner = new PoolRunner({ connection: worker, queues, log }).add('system', systemProcessors({ effects: new EffectsRepo(mysql) }));
    opened.push(() => queues.close(), () => runner.forceClose());
    await runner.start();
    const effectKey = `cluster-bridge-${prefix}`;
    await sqs.send(queueUrl, [encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey })]);
    await until(async () => (await new EffectsRepo(mysql).counts(effectKey)).get(effectKey) === 1, { timeoutMs: 30_000, what: 'the effect of the SQS message' });
    await until(async () => (await sqs.depth(queueUrl)).visible + (await sqs.depth(queueUrl)).inFlight === 0, { what: 'SQS message deleted' });

    const slots = await keysBySlot(producer, prefix);
    expect(slots.size).toBe(1);
    expect([...slots.values()][0]).toEqual(expect.arrayContaining([liveness, `${prefix}:system.effect:completed`]));
  });
});
