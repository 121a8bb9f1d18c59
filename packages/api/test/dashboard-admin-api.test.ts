import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { encodeMessage } from '@fable-jobs/contracts';
import { AuditRepo, EffectsRepo, JobKeysRepo, LedgerRepo } from '@fable-jobs/db';
import { DeadLetters, JobOps } from '@fable-jobs/ops';
import { JobIndexWriter, PoolRunner, QueueSet, enqueue, systemProcessors } from '@fable-jobs/queue';
import { Health, loadConfig } from '@fable-jobs/runtime';
import { createHarness, startSqs, testEnv, until, waitForJob, type Harness, type SqsFixture } from '@fable-jobs/testing';
import { buildApp } from '../src/index.ts';

let h: Harness;
let sqs: SqsFixture;
let app: FastifyInstance;
let queues: QueueSet;
let index: JobIndexWriter;
let urls: { queueUrl: string; dlqUrl: string };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ADMIN = basic('ops', 'admin-password-1');
const VIEWER = basic('support', 'viewer-password-1');

beforeEach(async () => {
  h = await createHarness();
  sqs = await startSqs();
  urls = await sqs.createQueues();
  const { config } = loadConfig(testEnv({ BULLMQ_PREFIX: h.prefix, DASHBOARD_USERS: 'ops:admin:admin-password-1;support:viewer:viewer-password-1' }));
  index = new JobIndexWriter(new JobKeysRepo(h.mysql), h.log, { intervalMs: 10 });
  queues = new QueueSet({ connection: h.producer, prefix: h.prefix, index });
  const audit = new AuditRepo(h.mysql);
  app = await buildApp({
    config,
    log: h.log,
    metrics: h.metrics,
    health: new Health(),
    queues,
    admin: {
      audit,
      jobs: new JobOps({ queues, audit, keys: new JobKeysRepo(h.mysql), ledger: new LedgerRepo(h.mysql) }),
      deadLetters: new DeadLetters({ sqs: sqs.sqs, ...urls, queues, audit, log: h.log }),
    },
  });
});
afterEach(async () => {
  await app.close();
  await queues.close();
  await sqs.stop();
  await h.close();
});

describe('admin API /admin/api', () => {
  it('needs the dashboard credentials; viewers read, only admins act', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/api/dlq' })).statusCode).toBe(401);
    const list = await app.inject({ method: 'GET', url: '/admin/api/dlq', headers: { authorization: VIEWER } });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ status: 'Success', data: [] });
    const refused = await app.inject({ method: 'POST', url: '/admin/api/dlq/redrive', headers: { authorization: VIEWER }, payload: { reason: 'x' } });
    expect(refused.statusCode).toBe(403);
  });

  it('redrive needs a reason, then moves the messages and records who did it', async () => {
    await sqs.send(urls.dlqUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'back' })]);
    const noReason = await app.inject({ method: 'POST', url: '/admin/api/dlq/redrive', headers: { authorization: ADMIN }, payload: {} });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ status: 'Failure', data: { errCode: 'OPS_REASON_REQUIRED' } });
    const res = await app.inject({ method: 'POST', url: '/admin/api/dlq/redrive', headers: { authorization: ADMIN }, payload: { reason: 'incident 42 fixed' } });
    expect(res.json()).toMatchObject({ status: 'Success', data: { mode: 'manual', moved: 1 } });
    expect((await sqs.depth(urls.queueUrl)).visible).toBe(1);
    const dlqName = urls.dlqUrl.split('/').pop() ?? '';
    const audit = await app.inject({ method: 'GET', url: `/admin/api/audit?action=dlq.redrive&target=${dlqName}`, headers: { authorization: VIEWER } });
    expect(audit.json().data[0]).toMatchObject({ actor: 'ops', source: 'admin-api', reason: 'incident 42 fixed', details: { moved: 1 } });
  });

  it('replays a job with edited data and finds it by business key', async () => {
    await enqueue(queues, { name: 'system.effect', data: { effectKey: 'a', key: `k-${h.prefix}` }, jobId: 'j-1' });
    const bad = await app.inject({ method: 'POST', url: '/admin/api/jobs/system.effect/j-1/replay', headers: { authorization: ADMIN }, payload: { reason: 'r', data: { effectKey: '' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().data.errCode).toBe('OPS_INVALID_DATA');
    const ok = await app.inject({ method: 'POST', url: '/admin/api/jobs/system.effect/j-1/replay', headers: { authorization: ADMIN }, payload: { reason: 'r', data: { effectKey: 'b', key: `k-${h.prefix}` } } });
    expect(ok.json()).toMatchObject({ status: 'Success', data: { replayOf: 'system.effect/j-1', changes: [{ path: '/effectKey', before: 'a', after: 'b' }] } });
    await index.flush();
    const found = await app.inject({ method: 'GET', url: `/admin/api/search?type=job_key&value=k-${h.prefix}`, headers: { authorization: VIEWER } });
    expect(found.json().data.map((r: { jobId: string }) => r.jobId).sort()).toEqual(['j-1', ok.json().data.jobId].sort());
    expect((await app.inject({ method: 'GET', url: '/admin/api/jobs/system.effect/j-1/replay', headers: { authorization: VIEWER } })).statusCode).toBe(404);
  });

  it('a retry clicked in Bull Board lands in the audit log', async () => {
    const jobId = `bb-${h.prefix}`; // the audit log outlives tests: a target of this run only
    const runner = new PoolRunner({ connection: h.worker, queues, log: h.log }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
    await runner.start();
    await enqueue(queues, { name: 'system.noop', data: { fail: 'permanent' }, jobId });
    await waitForJob(queues.get('system.noop'), jobId, 'failed', { connection: h.producer });
    await runner.forceClose();
    const res = await app.inject({ method: 'PUT', url: `/admin/queues/api/queues/system.noop/${jobId}/retry`, headers: { authorization: ADMIN } });
    expect(res.statusCode).toBeLessThan(300);
    const audit = new AuditRepo(h.mysql);
    await until(async () => (await audit.list({ target: `system.noop/${jobId}` })).length === 1, { what: 'audited' });
    expect((await audit.list({ target: `system.noop/${jobId}` }))[0]).toMatchObject({ actor: 'ops', source: 'dashboard', action: 'dashboard PUT /api/queues/:queueName/:jobId/retry' });
  });
});
