// Every Bull Board and admin API route without admin rights: no, wrong or malformed credentials, a user JWT, a viewer on writes.
import { randomUUID } from 'node:crypto';
import { encodeMessage } from '@fable-jobs/contracts';
import { EffectsRepo, migrateWithRetry } from '@fable-jobs/db';
import { PoolRunner, enqueue, systemProcessors } from '@fable-jobs/queue';
import { testConfig, waitForJob } from '@fable-jobs/testing';
import { startApiStack, startLlmFakes } from '../lib/api-stack.ts';
import { basic } from '../lib/http.ts';
import { diffDumps, dumpPrefix } from '../lib/redis-dump.ts';
import { runScenario, tag, type ScenarioResult } from '../lib/result.ts';
import { bullBoardRoutes, fill, servedRoutes, type Route } from '../lib/routes.ts';

const DASHBOARD = '/admin/queues';
const READ = new Set(['GET', 'HEAD']);

export async function adminRoutes(): Promise<ScenarioResult> {
  return runScenario('admin-routes', 120_000, async (t, defer) => {
    await migrateWithRetry(testConfig().config, { createDatabases: true });
    const fakes = await startLlmFakes();
    defer.add('fakes', () => fakes.stop());
    const api = await startApiStack({ fakes });
    defer.add('api', () => api.close());
    const t0 = new Date(Date.now() - 1000);
    const run = tag();

    // Targets that make every route meaningful: a failed job, a delayed job, a scheduler, a dead letter.
    const q = api.queues.get('system.noop');
    const failedId = `sec-failed-${run}`;
    await enqueue(api.queues, { name: 'system.noop', data: { fail: 'permanent' }, jobId: failedId });
    const runner = new PoolRunner({ connection: api.h.worker, queues: api.queues, log: api.h.log }).add('system', systemProcessors({ effects: new EffectsRepo(api.h.mysql) }));
    await runner.start();
    await waitForJob(q, failedId, 'failed', { connection: api.h.producer });
    await runner.forceClose();
    const delayedId = `sec-delayed-${run}`;
    await enqueue(api.queues, { name: 'system.noop', data: { note: 'delayed' }, jobId: delayedId, opts: { delay: 3_600_000 } });
    const schedulerId = `sec-sched-${run}`;
    await q.upsertJobScheduler(schedulerId, { every: 3_600_000 }, { name: 'system.noop', data: { note: 'scheduled' } });
    await fakes.sqs.send(api.dlqUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'dead letter' })]);
    const values: Record<string, string> = { queueName: 'system.noop', jobId: failedId, queueStatus: 'failed', schedulerId, queue: 'system.noop', id: `job:system.noop/${failedId}`, '*': 'static/favicon.ico' };

    // The routes: Bull Board's own table plus everything the app serves under /admin.
    const served = servedRoutes(api.app).filter((r) => r.path.startsWith('/admin'));
    const board = bullBoardRoutes(DASHBOARD);
    const key = (r: Route) => `${r.method} ${r.path}`;
    const servedKeys = new Set(served.map(key));
    const missing = board.filter((r) => !servedKeys.has(key(r)));
    t.control(`every Bull Board route (${board.length}) is served under ${DASHBOARD}`, missing.length === 0, missing.map(key).join(', '));
    const routes = [...new Map([...served, ...board].map((r) => [key(r), r])).values()];
    const adminApi = routes.filter((r) => r.path.startsWith('/admin/api'));
    t.control('the admin API routes were found in the app', adminApi.length >= 8, `${adminApi.length} method+path pairs`);

    const before = await dumpPrefix(api.h.producer, api.h.prefix);
    const dlqBefore = await fakes.sqs.depth(api.dlqUrl);
    const body = JSON.stringify({ reason: 'sec', name: 'system.noop', data: { note: 'attacker' }, dryRun: false, what: 'all', concurrency: 1, priority: 1, delay: 1, max: 1, duration: 1000, count: 1 });
    const userJwt = api.auth(`auth0|user-${randomUUID()}`);
    const attackers: Array<{ name: string; headers: Record<string, string>; only?: 'write' }> = [
      { name: 'no credentials', headers: {} },
      { name: 'a frontend user JWT', headers: { authorization: userJwt } },
      { name: 'the admin user with a wrong password', headers: { authorization: basic(api.admin.user, 'wrong-password-1') } },
      { name: 'an unknown user with the admin password', headers: { authorization: basic('nobody', api.admin.password) } },
      { name: 'Basic without a colon', headers: { authorization: `Basic ${Buffer.from(api.admin.user).toString('base64')}` } },
      { name: 'Basic with an empty user', headers: { authorization: basic('', api.admin.password) } },
      { name: 'Basic with garbage', headers: { authorization: 'Basic !!!not-base64!!!' } },
      { name: 'the admin password as a Bearer token', headers: { authorization: `Bearer ${api.admin.password}` } },
      { name: 'a viewer', headers: { authorization: basic(api.viewer.user, api.viewer.password) }, only: 'write' },
      { name: 'a viewer with X-HTTP-Method-Override: GET', headers: { authorization: basic(api.viewer.user, api.viewer.password), 'x-http-method-override': 'GET', 'x-method-override': 'GET' }, only: 'write' },
    ];
    const unfilled = new Set<string>();
    for (const route of routes) {
      const { url, unknown } = fill(route.path, values);
      unknown.forEach((u) => unfilled.add(u));
      const write = !READ.has(route.method);
      for (const a of attackers) {
        if (a.only === 'write' && !write) continue;
        const res = await api.http.request({ method: route.method, path: url, headers: { ...a.headers, ...(write ? { 'content-type': 'application/json' } : {}) }, ...(write ? { body } : {}) });
        t.attempt(`${a.name} → ${route.method} ${route.path}`, res.status >= 200 && res.status < 400, `answered ${res.status}`);
      }
    }

    // Paths and headers that might reach a handler around the auth hook.
    const tricks = [
      '//admin/api/dlq',
      '/admin//api/dlq',
      '/admin/api/./dlq',
      '/admin/api/x/../dlq',
      '/%61dmin/api/dlq',
      '/admin/api/dl%71',
      '/admin/api/dlq%2F',
      '/admin/api/dlq/',
      '/ADMIN/API/DLQ',
      '/admin/api/dlq;x=1',
      '/admin/api/dlq%00',
      '/admin/queues%2Fapi%2Fqueues',
      '/admin/queues/api/queues/',
      '/admin/queues/./api/queues',
      '/admin/queues/api/queues?x=/health',
      '/health/../admin/api/dlq',
    ];
    for (const path of tricks) {
      const res = await api.http.request({ path });
      t.attempt(`no credentials → GET ${path}`, res.status >= 200 && res.status < 400, `answered ${res.status}`);
    }
    for (const [name, headers] of [
      ['X-Forwarded-For: 127.0.0.1', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' }],
      ['X-Original-URL rewrite', { 'x-original-url': '/health', 'x-rewrite-url': '/health' }],
    ] as const) {
      const res = await api.http.request({ path: '/admin/api/dlq', headers });
      t.attempt(`no credentials with ${name} → GET /admin/api/dlq`, res.status >= 200 && res.status < 400, `answered ${res.status}`);
    }

    // Effects: nothing in Redis changed, the dead letter is still there, nothing was audited.
    const changed = diffDumps(before, await dumpPrefix(api.h.producer, api.h.prefix));
    t.attempt('Redis state changed by the attacks (jobs, queues, schedulers)', changed.length > 0, changed.slice(0, 10).join(' '));
    const dlqAfter = await fakes.sqs.depth(api.dlqUrl);
    t.attempt('dead letters moved or purged by the attacks', dlqAfter.visible + dlqAfter.inFlight !== dlqBefore.visible + dlqBefore.inFlight, `${dlqBefore.visible + dlqBefore.inFlight} → ${dlqAfter.visible + dlqAfter.inFlight}`);
    // Every actor this API can record: its two users, or 'unknown' (a request with no user).
    const audited = await api.h.mysql('audit_log').where('at', '>=', t0).whereIn('source', ['dashboard', 'admin-api']).whereIn('actor', [api.admin.user, api.viewer.user, 'unknown']);
    t.attempt('audited actions during the attacks', audited.length > 0, audited.map((r: { actor: string; action: string }) => `${r.actor}: ${r.action}`).join('; '));

    // Controls: the same routes work with the right credentials.
    const admin = { authorization: basic(api.admin.user, api.admin.password) };
    const viewer = { authorization: basic(api.viewer.user, api.viewer.password) };
    const list = await api.http.request({ path: `${DASHBOARD}/api/queues?activeQueue=&page=1&jobsPerPage=10`, headers: viewer });
    t.control('a viewer lists the queues', list.status === 200 && list.text.includes('system.noop'), `answered ${list.status}`);
    const dlq = await api.http.request({ path: '/admin/api/dlq?source=sqs', headers: admin });
    t.control('an admin lists the dead letters', dlq.status === 200 && dlq.text.includes('"source":"sqs-dlq"') && dlq.text.includes('SYSTEM_NOOP'), `answered ${dlq.status}`);
    const retry = await api.http.request({ method: 'PUT', path: `${DASHBOARD}/api/queues/system.noop/${failedId}/retry`, headers: admin });
    const state = await (await q.getJob(failedId))?.getState();
    t.control('an admin retries the failed job in Bull Board (job leaves failed)', retry.status < 300 && state !== 'failed', `answered ${retry.status}, job ${state}`);
    const dry = await api.http.request({ method: 'POST', path: '/admin/api/jobs/retry', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ dryRun: true, queue: 'system.noop' }) });
    t.control('an admin dry-runs a bulk retry', dry.status === 200, `answered ${dry.status}`);
    return `${routes.length} routes (${board.length} from Bull Board's route table, ${adminApi.length} under /admin/api, from the app's route tree) × ${attackers.length - 2} credential forms, state-changing ones also as a viewer; ${tricks.length + 2} path/header tricks${unfilled.size ? `; params filled with x: ${[...unfilled].join(' ')}` : ''}`;
  });
}
