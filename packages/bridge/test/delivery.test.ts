import { afterEach, describe, expect, it } from 'vitest';
import { encodeMessage, jobIdFor } from '@fable-jobs/contracts';
import { EffectsRepo, LedgerRepo } from '@fable-jobs/db';
import { PoolRunner } from '@fable-jobs/queue';
import { startRedisServer, until, type RedisServerHandle } from '@fable-jobs/testing';
import { systemProcessors } from '@fable-jobs/queue';
import { counter, startBridgeFixture, type BridgeFixture } from './fixture.ts';

let f: BridgeFixture | undefined;
let redis: RedisServerHandle | undefined;
afterEach(async () => {
  await f?.close();
  await redis?.stop();
  f = undefined;
  redis = undefined;
});

/** Make DeleteMessageBatch fail while `state.fail` is true (the message stays, SQS redelivers it). */
function breakDeletes(fixture: BridgeFixture, state: { fail: boolean }) {
  fixture.sqs.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (state.fail && context.commandName === 'DeleteMessageBatchCommand') throw Object.assign(new Error('injected delete failure'), { name: 'ServiceUnavailable' });
      return next(args);
    },
    { step: 'initialize', name: 'break-deletes' },
  );
}

/** Hold every DeleteMessageBatch until `release()`; counts those outstanding and the most at once. */
function holdDeletes(fixture: BridgeFixture) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const state = { outstanding: 0, most: 0, sent: 0, release: () => release() };
  fixture.sqs.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DeleteMessageBatchCommand') return next(args);
      state.sent += 1;
      state.most = Math.max(state.most, ++state.outstanding);
      await held;
      state.outstanding -= 1;
      return next(args);
    },
    { step: 'initialize', name: 'hold-deletes' },
  );
  return state;
}

describe('bridge delivery guarantees', () => {
  it('a redelivered message becomes one job, even after BullMQ removed the first one', async () => {
    f = await startBridgeFixture({ visibilityTimeout: 2 });
    const state = { fail: true };
    breakDeletes(f, state);
    const [id] = await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'once' })]);
    const queue = f.queues.get('system.noop');
    const jobId = jobIdFor(id ?? '');
    await until(async () => (await queue.getJob(jobId)) !== undefined, { what: 'first enqueue' });
    // As if removeOnComplete had pruned it: only the ledger still knows the message.
    await (await queue.getJob(jobId))?.remove();
    state.fail = false;
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 1, { what: 'redelivery deleted', timeoutMs: 15_000 });
    expect(await counter(f.h, 'fable_bridge_messages_received_total')).toBeGreaterThanOrEqual(2);
    expect(await counter(f.h, 'fable_bridge_messages_duplicate_total')).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob(jobId)).toBeUndefined();
    const ledger = new LedgerRepo(f.h.mysql);
    await until(async () => Number((await ledger.get(id ?? ''))?.['receive_count'] ?? 0) >= 2, { what: 'ledger counts both receives' });
    expect(await ledger.get(id ?? '')).toMatchObject({ status: 'accepted', message_type: 'SYSTEM_NOOP' });
  });

  it('the same idempotency key sent twice (new MessageIds) makes one job', async () => {
    f = await startBridgeFixture();
    const key = `order:${Date.now()}:${Math.random()}`;
    await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'a' }, { idempotencyKey: key })]);
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 1, { what: 'first' });
    // Second send, later, in the other format and after the job is gone from Redis.
    const queue = f.queues.get('system.noop');
    await (await queue.getJob(jobIdFor(key)))?.remove();
    await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'json', { note: 'b' }, { idempotencyKey: key })]);
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 2, { what: 'second' });
    expect(await queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
    expect(await counter(f.h, 'fable_bridge_messages_enqueued_total')).toBe(1);
    expect(await counter(f.h, 'fable_bridge_messages_duplicate_total')).toBe(1);
  });

  it('Redis down: nothing is deleted; after Redis returns every message is processed once', async () => {
    redis = await startRedisServer();
    f = await startBridgeFixture({ env: { REDIS_URL: redis.url } });
    await redis.kill();
    const keys = Array.from({ length: 20 }, (_, i) => `redis-down-${f!.h.prefix}-${i}`);
    await f.sqs.send(f.queueUrl, keys.map((effectKey) => encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey })));
    await until(async () => (await counter(f!.h, 'fable_bridge_enqueue_failures_total')) >= 1, { what: 'enqueue failure', timeoutMs: 30_000 });
    // Parked until Redis answers: no more receives that would count toward maxReceiveCount.
    await until(() => f!.bridge.liveness().waitingPollers === 1 && f!.bridge.liveness().failures >= 1, { what: 'poller parked' });
    expect(await counter(f.h, 'fable_bridge_messages_deleted_total')).toBe(0);
    const depth = await f.sqs.depth(f.queueUrl);
    expect(depth.visible + depth.inFlight).toBe(20);

    await redis.restart();
    const runner = new PoolRunner({ connection: f.h.worker, queues: f.queues, log: f.h.log }).add('system', systemProcessors({ effects: new EffectsRepo(f.h.mysql) }));
    await runner.start();
    f.h.defer(() => runner.forceClose());
    const effects = new EffectsRepo(f.h.mysql);
    await until(async () => (await effects.counts(`redis-down-${f!.h.prefix}-`)).size === 20, { what: '20 effects', timeoutMs: 60_000 });
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 20, { what: 'all deleted' });
    expect([...(await effects.counts(`redis-down-${f.h.prefix}-`)).values()].every((n) => n === 1)).toBe(true);
    const left = await f.sqs.depth(f.queueUrl);
    expect(left.visible + left.inFlight).toBe(0);
  });

  it('backpressure: stops polling while a target queue is over the bound, resumes below it', async () => {
    f = await startBridgeFixture({ bridge: { maxWaiting: 3 } });
    await f.sqs.send(f.queueUrl, Array.from({ length: 5 }, (_, i) => encodeMessage('SYSTEM_NOOP', 'legacy', { note: `p${i}` })));
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 5, { what: 'first five' });
    await until(async () => (await counter(f!.h, 'fable_bridge_backpressure_paused')) === 1, { what: 'paused' });
    // The poller is parked before its next receive: nothing can take the next message.
    await until(() => f!.bridge.liveness().waitingPollers === 1, { what: 'poller parked' });
    await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'later' })]);
    // While paused the new message stays in SQS.
    const received = await counter(f.h, 'fable_bridge_messages_received_total');
    expect((await f.sqs.depth(f.queueUrl)).visible).toBe(1);
    await f.queues.get('system.noop').drain();
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 6, { what: 'resumed' });
    expect(await counter(f.h, 'fable_bridge_messages_received_total')).toBe(received + 1);
    expect(await counter(f.h, 'fable_bridge_backpressure_paused')).toBe(0);
  });
  it('a poller receives its next batch while the last one\'s delete is on the wire; drain waits for the delete', async () => {
    f = await startBridgeFixture();
    const fixture = f;
    const deletes = holdDeletes(fixture);
    const first = await fixture.sqs.send(fixture.queueUrl, Array.from({ length: 10 }, (_, i) => encodeMessage('SYSTEM_NOOP', 'legacy', { note: `a${i}` })));
    const queue = fixture.queues.get('system.noop');
    await until(async () => (await Promise.all(first.map((id) => queue.getJob(jobIdFor(id))))).every(Boolean), { what: 'first batch enqueued' });
    await until(() => deletes.sent >= 1, { what: 'its delete sent' });
    // One poller, its delete still unanswered: the next message is received and enqueued anyway.
    const [second] = await fixture.sqs.send(fixture.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'b' })]);
    await until(async () => (await queue.getJob(jobIdFor(second ?? ''))) !== undefined, { what: 'second batch enqueued while the first delete is held' });
    expect(await counter(fixture.h, 'fable_bridge_messages_deleted_total')).toBe(0);
    fixture.bridge.stopIntake();
    const drained = fixture.bridge.drain(AbortSignal.timeout(10_000));
    deletes.release();
    await drained;
    expect(await counter(fixture.h, 'fable_bridge_messages_deleted_total')).toBe(11);
    expect(await fixture.sqs.depth(fixture.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes behind the polls are bounded: with SQS not answering deletes, a poller stops after 4 per poller outstanding', async () => {
    f = await startBridgeFixture();
    const fixture = f;
    const deletes = holdDeletes(fixture);
    await fixture.sqs.send(fixture.queueUrl, Array.from({ length: 100 }, (_, i) => encodeMessage('SYSTEM_NOOP', 'legacy', { note: `m${i}` })));
    // One poller: four deletes may run behind it; the fifth batch waits for its own.
    await until(() => deletes.outstanding === 5, { what: 'five deletes outstanding' });
    expect((await fixture.sqs.depth(fixture.queueUrl)).visible).toBeGreaterThan(0);
    deletes.release();
    await until(async () => (await counter(fixture.h, 'fable_bridge_messages_deleted_total')) === 100, { what: 'all deleted' });
    expect(deletes.most).toBe(5);
  });

  it('shutdown lets an outstanding long poll return and enqueues what it got: nothing is stranded in flight', async () => {
    f = await startBridgeFixture();
    await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'warm-up' })]);
    await until(async () => (await counter(f!.h, 'fable_bridge_messages_deleted_total')) === 1, { what: 'first message' });
    await until(async () => f!.bridge.polling === 1, { what: 'a long poll out' });
    f.bridge.stopIntake();
    // Sent after the stop: the poll already waiting at SQS is handed them.
    const ids = await f.sqs.send(f.queueUrl, Array.from({ length: 5 }, (_, i) => encodeMessage('SYSTEM_NOOP', 'legacy', { note: `late ${i}` })));
    await f.bridge.drain(AbortSignal.timeout(10_000));
    expect(f.bridge.polling).toBe(0);
    const queue = f.queues.get('system.noop');
    const enqueued = (await Promise.all(ids.map((id) => queue.getJob(jobIdFor(id))))).filter(Boolean).length;
    const depth = await f.sqs.depth(f.queueUrl);
    // Each late message is a job (and deleted) or still visible for the next bridge; none is hidden.
    expect(depth.inFlight).toBe(0);
    expect(enqueued + depth.visible).toBe(5);
  });
});
