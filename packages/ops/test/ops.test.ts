import { createServer, request, type Server } from 'node:http';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessage, jobIdFor, toSqsAttributes } from '@fable-jobs/contracts';
import { Bridge } from '@fable-jobs/bridge';
import { AuditRepo, EffectsRepo, JobKeysRepo, LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { JobIndexWriter, PoolRunner, QueueSet, enqueue, systemProcessors } from '@fable-jobs/queue';
import { createHarness, startSqs, until, waitForJob, type Harness, type SqsFixture } from '@fable-jobs/testing';
import { DeadLetters, JobOps, OpsError } from '../src/index.ts';

let h: Harness;
let sqs: SqsFixture;
let queues: QueueSet;
let index: JobIndexWriter;
let urls: { queueUrl: string; dlqUrl: string };
let dead: DeadLetters;
let ops: JobOps;
let audit: AuditRepo;
const who = { actor: 'ada', source: 'cli' as const };

beforeEach(async () => {
  h = await createHarness();
  sqs = await startSqs();
  urls = await sqs.createQueues();
  index = new JobIndexWriter(new JobKeysRepo(h.mysql), h.log, { intervalMs: 10 });
  queues = new QueueSet({ connection: h.producer, prefix: h.prefix, index });
  audit = new AuditRepo(h.mysql);
  dead = new DeadLetters({ sqs: sqs.sqs, ...urls, queues, audit, log: h.log });
  ops = new JobOps({ queues, audit, keys: new JobKeysRepo(h.mysql), ledger: new LedgerRepo(h.mysql) });
});
afterEach(async () => {
  await queues.close();
  await sqs.stop();
  await h.close();
});

async function runBridge(): Promise<Bridge> {
  const bridge = new Bridge({
    sqs: sqs.sqs,
    ...urls,
    queues,
    ledger: new LedgerRepo(h.mysql),
    legacyJobs: new LegacyJobsRepo(h.mysql),
    log: h.log,
    metrics: h.metrics,
    durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: { ...h.config.bridge, waitTimeSeconds: 1, pollers: 1 },
  });
  bridge.start();
  h.defer(async () => {
    bridge.stopIntake();
    await bridge.drain(AbortSignal.timeout(5000));
  });
  return bridge;
}

async function runWorkers(): Promise<PoolRunner> {
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
  await runner.start();
  h.defer(() => runner.forceClose());
  return runner;
}

describe('dead letters, one list', () => {
  it('lists poison messages from the SQS DLQ and failed jobs together, with reason and counts', async () => {
    await runBridge();
    await runWorkers();
    const [poison] = await sqs.send(urls.queueUrl, [encodeMessage('NF', 'legacy', { eventName: 'UNHEARD_OF' })]);
    const job = await enqueue(queues, { name: 'system.noop', data: { fail: 'permanent' }, jobId: 'dl-1' });
    await waitForJob(queues.get('system.noop'), job.id ?? '', 'failed', { connection: h.producer });
    await until(async () => (await sqs.depth(urls.dlqUrl)).visible === 1, { what: 'poison in the DLQ' });

    const list = await dead.list();
    const fromSqs = list.find((e) => e.sourceMessageId === poison);
    expect(fromSqs).toMatchObject({ source: 'sqs-dlq', type: 'NF', code: 'BRIDGE_UNKNOWN_SUBTYPE', count: 1 });
    expect(fromSqs?.reason).toMatch(/unknown eventName "UNHEARD_OF"/);
    expect(fromSqs?.firstSeen).toMatch(/^\d{4}-/);
    expect(list.find((e) => e.id === 'job:system.noop/dl-1')).toMatchObject({
      source: 'failed-job',
      code: 'SYSTEM_REQUESTED_FAILURE',
      count: 1,
      dashboardUrl: '/admin/queues/queue/system.noop/dl-1',
    });
    expect((await dead.show(fromSqs?.id ?? ''))?.attributes).toEqual({ eventName: 'UNHEARD_OF' });
    expect((await dead.show('job:system.noop/dl-1'))?.data).toMatchObject({ fail: 'permanent' });
    // Peeking does not take messages out, nor hide them.
    expect(await sqs.depth(urls.dlqUrl)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('redrive moves exactly the selected messages (dry run first), strips the reason, loses none', async () => {
    const good = ['a', 'b', 'c'].map((k) => encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey: `redrive-${h.prefix}-${k}` }));
    const other = [encodeMessage('NF', 'json', { eventName: 'EBOOK_DOWNLOAD', payload_email: 'x@y.z' }), encodeMessage('NF', 'legacy', { eventName: 'EBOOK_DOWNLOAD' })];
    // As the bridge leaves them: the original plus the fable_dlq attribute.
    await sqs.send(urls.dlqUrl, [...good, ...other].map((m) => ({ body: m.body, attributes: { ...m.attributes, fable_dlq: '{"code":"X","reason":"outage"}' } })));

    const dry = await dead.redrive({ ...who, reason: 'check', dryRun: true, type: 'SYSTEM_EFFECT' });
    expect(dry).toEqual({ mode: 'manual', matched: 3, moved: 0, skipped: 2, dryRun: true });
    expect((await sqs.depth(urls.queueUrl)).visible).toBe(0);
    expect(await sqs.depth(urls.dlqUrl)).toEqual({ visible: 5, inFlight: 0 });

    const real = await dead.redrive({ ...who, reason: 'outage over', type: 'SYSTEM_EFFECT', ratePerSecond: 100 });
    expect(real).toMatchObject({ mode: 'manual', matched: 3, moved: 3 });
    const moved = await sqs.drain(urls.queueUrl);
    expect(moved.map((m) => m.MessageAttributes?.['effectKey']?.StringValue).sort()).toEqual(['a', 'b', 'c'].map((k) => `redrive-${h.prefix}-${k}`));
    expect(moved.every((m) => m.Body === 'SYSTEM_EFFECT' && !m.MessageAttributes?.['fable_dlq'])).toBe(true);
    await until(async () => (await sqs.depth(urls.dlqUrl)).visible === 2, { what: 'the two others stay' });
    const [entry] = await audit.list({ action: 'dlq.redrive', target: dead.dlqName });
    expect(entry).toMatchObject({ actor: 'ada', source: 'cli', reason: 'outage over', details: { moved: 3, type: 'SYSTEM_EFFECT', mode: 'manual' } });
  });

  it('redriven messages are processed by the fleet', async () => {
    await runBridge();
    await runWorkers();
    const keys = [1, 2].map((i) => `reproc-${h.prefix}-${i}`);
    await sqs.send(urls.dlqUrl, keys.map((effectKey) => encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey })));
    expect(await dead.redrive({ ...who, reason: 'r' })).toMatchObject({ mode: 'manual', moved: 2 });
    const effects = new EffectsRepo(h.mysql);
    await until(async () => (await effects.counts(`reproc-${h.prefix}-`)).size === 2, { what: 'both processed' });
  });

  it('uses StartMessageMoveTask where the endpoint supports it', async () => {
    // A loopback SQS endpoint that implements StartMessageMoveTask and forwards the rest to fauxqs.
    const targets: string[] = [];
    const upstream = new URL(sqs.endpoint);
    const proxy: Server = createServer((req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (target === 'AmazonSQS.StartMessageMoveTask') {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ TaskHandle: 'task-123' }));
          return;
        }
        const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        });
        fwd.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const client = new SQSClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      await client.send(new SendMessageBatchCommand({ QueueUrl: urls.dlqUrl, Entries: [{ Id: '0', MessageBody: 'SYSTEM_NOOP', MessageAttributes: toSqsAttributes({ note: 'n' }) }] }));
      const viaProxy = new DeadLetters({ sqs: client, ...urls, queues, audit, log: h.log });
      const result = await viaProxy.redrive({ ...who, reason: 'native', ratePerSecond: 50 });
      expect(result).toMatchObject({ mode: 'move-task', taskHandle: 'task-123', matched: 1 });
      expect(targets).toContain('AmazonSQS.StartMessageMoveTask');
    } finally {
      client.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('purges the DLQ and failed jobs, audited', async () => {
    await runWorkers();
    await sqs.send(urls.dlqUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', {})]);
    const job = await enqueue(queues, { name: 'system.noop', data: { fail: 'permanent' }, jobId: 'purge-1' });
    await waitForJob(queues.get('system.noop'), job.id ?? '', 'failed', { connection: h.producer });
    expect(await dead.purge({ ...who, reason: 'cleanup', what: 'all' })).toEqual({ sqs: true, jobs: 1 });
    expect(await sqs.depth(urls.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(await queues.get('system.noop').getJob('purge-1')).toBeUndefined();
    expect((await audit.list({ action: 'dlq.purge', target: dead.dlqName }))[0]).toMatchObject({ actor: 'ada', reason: 'cleanup', details: { sqs: true, jobs: 1 } });
  });
});

describe('replay and bulk retry', () => {
  it('replays with an edited payload: validated, linked to the original, audited with the diff', async () => {
    const original = await enqueue(queues, { name: 'system.effect', data: { effectKey: 'old', sleepMs: 5 }, jobId: 'orig-1', meta: { source: 'sqs', messageId: 'm-9' } });
    await expect(ops.replay({ ...who, queue: 'system.effect', jobId: 'orig-1', data: { effectKey: 7 }, reason: 'fix' })).rejects.toMatchObject({ code: 'OPS_INVALID_DATA' });
    await expect(ops.replay({ ...who, queue: 'system.effect', jobId: 'orig-1', reason: ' ' })).rejects.toMatchObject({ code: 'OPS_REASON_REQUIRED' });
    await expect(ops.replay({ ...who, queue: 'system.effect', jobId: 'nope', reason: 'x' })).rejects.toBeInstanceOf(OpsError);

    const r = await ops.replay({ ...who, queue: 'system.effect', jobId: 'orig-1', data: { effectKey: `new-${h.prefix}` }, reason: 'wrong key' });
    expect(r.changes).toEqual([
      { path: '/effectKey', kind: 'changed', before: 'old', after: `new-${h.prefix}` },
      { path: '/sleepMs', kind: 'removed', before: 5 },
    ]);
    const replayed = await queues.get('system.effect').getJob(r.jobId);
    expect(replayed?.data).toEqual({ effectKey: `new-${h.prefix}`, _meta: { source: 'operator', messageId: 'm-9', replayOf: 'system.effect/orig-1' } });
    expect(await original.getState()).toBe('waiting'); // the original is untouched
    const [entry] = (await audit.list({ target: 'system.effect/orig-1', limit: 1000 })).filter((e) => (e.details as { newJobId?: string }).newJobId === r.jobId);
    expect(entry).toMatchObject({ action: 'job.replay', actor: 'ada', reason: 'wrong key', details: { newJobId: r.jobId } });
    expect(r.dashboardUrl).toBe(`/admin/queues/queue/system.effect/${encodeURIComponent(r.jobId)}`);
  });

  it('bulk-retries failed jobs by queue and error code only', async () => {
    await runWorkers();
    const perm = await enqueue(queues, { name: 'system.noop', data: { fail: 'permanent', failTimes: 1 }, jobId: 'br-1' });
    const inval = await queues.get('system.noop').add('system.noop', { sleepMs: 'x' }, { jobId: 'br-2' });
    await waitForJob(queues.get('system.noop'), perm.id ?? '', 'failed', { connection: h.producer });
    await waitForJob(queues.get('system.noop'), inval.id ?? '', 'failed', { connection: h.producer });
    const reason = `provider fixed ${h.prefix}`;
    const result = await ops.retryFailed({ ...who, reason, queue: 'system.noop', code: 'SYSTEM_REQUESTED_FAILURE' });
    expect(result).toEqual({ retried: 1, jobs: ['system.noop/br-1'] });
    await waitForJob(queues.get('system.noop'), 'br-1', 'completed', { connection: h.producer }); // failTimes: 1
    expect(await inval.getState()).toBe('failed');
    expect((await audit.list({ action: 'jobs.retry', limit: 1000 })).find((e) => e.reason === reason)).toMatchObject({ details: { retried: 1, code: 'SYSTEM_REQUESTED_FAILURE' } });
  });
});

describe('search by business key', () => {
  it('finds jobs by message id, idempotency key, legacy job_key, org, integration and demo rid', async () => {
    await runBridge();
    const integrationId = String(Math.floor(Math.random() * 1e15));
    const [nfId] = await sqs.send(urls.queueUrl, [encodeMessage('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_integrationId: integrationId, payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_eventPayload: '{}' })]);
    await sqs.send(urls.queueUrl, [encodeMessage('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', 'json', { orgIdStr: `org-${h.prefix}`, beforePlan: 'SOLO', afterPlan: 'GROWTH' }, { idempotencyKey: `idem-${h.prefix}` })]);
    await sqs.send(urls.queueUrl, [encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey: 'e', key: `jobkey-${h.prefix}` })]);
    await enqueue(queues, { name: 'integrations.republish-demo', data: { rid: `rid-${h.prefix}` }, jobId: 'rep-1' });
    await until(async () => (await sqs.depth(urls.queueUrl)).visible + (await sqs.depth(urls.queueUrl)).inFlight === 0, { what: 'bridge took all' });
    await until(async () => (await ops.search('job_key', `jobkey-${h.prefix}`)).length === 1, { what: 'index written' });
    // The ledger is written behind (batched), one entry per message: wait for both that it serves.
    await until(async () => (await ops.search('message_id', nfId ?? '')).length === 1, { what: 'ledger written' });
    await until(async () => (await ops.search('idempotency_key', `idem-${h.prefix}`)).length === 1, { what: 'ledger has the keyed message' });
    await index.flush();

    // Tenant webhooks are fair-shared by priority, so this one waits as "prioritized".
    expect(await ops.search('message_id', nfId ?? '')).toEqual([expect.objectContaining({ queue: 'integrations.tenant-webhook', jobId: jobIdFor(nfId ?? ''), state: 'prioritized' })]);
    expect((await ops.search('integration', integrationId))[0]).toMatchObject({ queue: 'integrations.tenant-webhook', dashboardUrl: expect.stringContaining('/admin/queues/queue/integrations.tenant-webhook/') });
    expect((await ops.search('idempotency_key', `idem-${h.prefix}`))[0]).toMatchObject({ queue: 'integrations.plan-change', jobId: jobIdFor(`idem-${h.prefix}`) });
    expect((await ops.search('org', `org-${h.prefix}`))[0]).toMatchObject({ queue: 'integrations.plan-change' });
    expect((await ops.search('job_key', `jobkey-${h.prefix}`))[0]).toMatchObject({ queue: 'system.effect' });
    expect(await ops.search('rid', `rid-${h.prefix}`)).toEqual([expect.objectContaining({ queue: 'integrations.republish-demo', jobId: 'rep-1', state: 'waiting' })]);
    expect(await ops.search('org', 'nobody')).toEqual([]);
    await expect(ops.search('email', 'x')).rejects.toMatchObject({ code: 'OPS_UNKNOWN_KEY' });
  });
});
