import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { EffectsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet, enqueue } from '@fable-jobs/queue';
import { systemProcessors } from '@fable-jobs/queue';
import { Health, loadConfig } from '@fable-jobs/runtime';
import { createHarness, testEnv, waitForJob, type Harness } from '@fable-jobs/testing';
import { buildApp, hashPassword } from '../src/index.ts';

let h: Harness;
let app: FastifyInstance;
let queues: QueueSet;
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const ADMIN = basic('ops', 'admin-password-1');
const VIEWER = basic('support', 'viewer-password-1');

beforeEach(async () => {
  h = await createHarness();
  const users = `ops:admin:${await hashPassword('admin-password-1')};support:viewer:viewer-password-1`;
  const { config } = loadConfig(testEnv({ BULLMQ_PREFIX: h.prefix, DASHBOARD_USERS: users }));
  queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
  app = await buildApp({ config, log: h.log, metrics: h.metrics, health: new Health(), queues });
});
afterEach(async () => {
  await app.close();
  await queues.close();
  await h.close();
});

describe('Bull Board at /admin/queues', () => {
  it('refuses requests without or with wrong credentials', async () => {
    for (const authorization of [undefined, basic('ops', 'wrong-password'), basic('nobody', 'admin-password-1'), 'Bearer x']) {
      const res = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    }
    expect((await app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
  });

  it('lists every queue of the catalogue to an authenticated viewer', async () => {
    const page = await app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: VIEWER } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const res = await app.inject({ method: 'GET', url: '/admin/queues/api/queues?activeQueue=&page=1&jobsPerPage=10', headers: { authorization: VIEWER } });
    expect(res.statusCode).toBe(200);
    const names = (res.json() as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toContain('media.transcode-video');
    expect(names).toContain('integrations.tenant-webhook');
    expect(names).toContain('analytics.update-house-lead');
    expect(names).toContain('system.noop');
  });

  it('lets an admin retry a failed job, and refuses a viewer', async () => {
    const job = await enqueue(queues, { name: 'system.noop', data: { fail: 'permanent' }, jobId: 'dash-1' });
    const runner = new PoolRunner({ connection: h.worker, queues, log: h.log }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
    await runner.start();
    await waitForJob(queues.get('system.noop'), 'dash-1', 'failed', { connection: h.producer });
    await runner.forceClose();
    const url = '/admin/queues/api/queues/system.noop/dash-1/retry';
    const denied = await app.inject({ method: 'PUT', url, headers: { authorization: VIEWER } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ status: 'Failure', data: { errCode: 'ADMIN_FORBIDDEN' } });
    expect(await job.getState()).toBe('failed');
    const allowed = await app.inject({ method: 'PUT', url, headers: { authorization: ADMIN } });
    expect(allowed.statusCode).toBeLessThan(300);
    expect(await job.getState()).toBe('waiting');
  });
});
