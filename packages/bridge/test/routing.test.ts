import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessage, jobIdFor } from '@fable-jobs/contracts';
import { until } from '@fable-jobs/testing';
import { DLQ_ATTRIBUTE, readBridgeLiveness } from '../src/index.ts';
import { counter, startBridgeFixture, type BridgeFixture } from './fixture.ts';

let f: BridgeFixture;
beforeEach(async () => {
  f = await startBridgeFixture();
});
afterEach(async () => {
  await f.close();
});

const transcode = { key: 'tx-1', sourceFilePath: 'https://b.s3.us-east-1.amazonaws.com/d/f.mp4', processedFilePath: 'https://b.s3.us-east-1.amazonaws.com/out/', sub: 'CONVERT_TO_MP4', uploadedBy: 'u1' };

describe('bridge routing', () => {
  it('moves every message type, in both formats, into the right queues with the right data', async () => {
    const sent: Array<{ type: string; format: 'legacy' | 'json'; data: Record<string, unknown>; queues: string[] }> = [
      { type: 'TRANSCODE_VIDEO', format: 'legacy', data: transcode, queues: ['media.transcode-video'] },
      { type: 'TRANSCODE_AUDIO', format: 'json', data: { ...transcode, sub: 'CONVERT_TO_WEBM' }, queues: ['media.transcode-audio'] },
      { type: 'NF', format: 'legacy', data: { eventName: 'NEW_USER_SIGNUP', payload_email: 'a@x.io', payload_firstName: 'A' }, queues: ['integrations.slack-notify', 'integrations.mailchimp-upsert'] },
      { type: 'NF', format: 'json', data: { eventName: 'NEW_ORG_CREATED', payload_id: '12' }, queues: ['integrations.cobalt-linked-account'] },
      { type: 'CBE', format: 'legacy', data: { payload: { email: 'l@x.io', orgId: 3, lastActiveAt: '2026-01-02T03:04:05Z' } }, queues: ['integrations.cobalt-contact-refresh', 'integrations.cobalt-demo-activity'] },
      { type: 'SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', format: 'legacy', data: { orgIdStr: '3', beforePlan: 'SOLO', afterPlan: 'GROWTH' }, queues: ['integrations.plan-change'] },
      { type: 'TRIGGER_ANALYTICS_JOB', format: 'json', data: { job: 'REFRESH_DAILY_ENTITY_METRICS' }, queues: ['analytics.refresh-daily-entity-metrics'] },
      { type: 'TRIGGER_ANALYTICS_JOB', format: 'legacy', data: { job: 'ACTIVITY_DT_DATA_TRUNCATE' }, queues: ['analytics.activity-dt-data-truncate'] },
      { type: 'SYSTEM_NOOP', format: 'legacy', data: { note: 'hi' }, queues: ['system.noop'] },
    ];
    const ids = await f.sqs.send(f.queueUrl, sent.map((s) => encodeMessage(s.type, s.format, s.data)));
    await until(async () => (await counter(f.h, 'fable_bridge_messages_deleted_total')) === sent.length, { what: 'all messages deleted' });

    for (const [i, s] of sent.entries()) {
      for (const q of s.queues) {
        const job = await f.queues.get(q).getJob(jobIdFor(ids[i] ?? ''));
        expect(job, `${s.type} → ${q}`).toBeTruthy();
        expect(job?.data._meta).toEqual({ source: 'sqs', messageId: ids[i], messageType: s.type });
      }
    }
    const video = await f.queues.get('media.transcode-video').getJob(jobIdFor(ids[0] ?? ''));
    expect(video?.data).toMatchObject(transcode);
    expect(video?.opts.attempts).toBe(4);
    const signup = await f.queues.get('integrations.mailchimp-upsert').getJob(jobIdFor(ids[2] ?? ''));
    expect(signup?.data).toMatchObject({ email: 'a@x.io', firstName: 'A' });
    expect(await f.sqs.depth(f.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('dead-letters poison messages at once with the reason, and lets good neighbours through', async () => {
    const messages = [
      encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'good-1' }),
      { body: 'NOT_A_TYPE', attributes: {} },
      { body: '{"type": "NF", "data": ', attributes: {} },
      encodeMessage('TRANSCODE_VIDEO', 'legacy', { ...transcode, key: 'bad-sub', sub: 'CONVERT_TO_GIF' }),
      encodeMessage('NF', 'legacy', { eventName: 'SOMETHING_NEW' }),
      { body: 'SYSTEM_NOOP', attributes: { note: 'x'.repeat(300_000) } },
      encodeMessage('SYSTEM_NOOP', 'json', { note: 'good-2' }),
      { body: 'hello world', attributes: {} },
    ];
    const ids = await f.sqs.send(f.queueUrl, messages);
    await until(async () => (await counter(f.h, 'fable_bridge_messages_deleted_total')) === messages.length, { what: 'all messages handled' });

    // Good ones: enqueued.
    expect(await f.queues.get('system.noop').getJob(jobIdFor(ids[0] ?? ''))).toBeTruthy();
    expect(await f.queues.get('system.noop').getJob(jobIdFor(ids[6] ?? ''))).toBeTruthy();
    // Poison: each in the DLQ once, original body kept, reason attached; received exactly once.
    const dead = await f.sqs.drain(f.dlqUrl);
    expect(dead).toHaveLength(6);
    const bySource = new Map(dead.map((m) => [JSON.parse(m.MessageAttributes?.[DLQ_ATTRIBUTE]?.StringValue ?? '{}').sourceMessageId, m]));
    const info = (i: number) => JSON.parse(bySource.get(ids[i])?.MessageAttributes?.[DLQ_ATTRIBUTE]?.StringValue ?? '{}');
    expect(info(1)).toMatchObject({ code: 'BRIDGE_UNKNOWN_TYPE', receiveCount: 1 });
    expect(info(7)).toMatchObject({ code: 'BRIDGE_BAD_ENVELOPE' });
    expect(info(2)).toMatchObject({ code: 'BRIDGE_BAD_JSON' });
    expect(info(3)).toMatchObject({ code: 'BRIDGE_SCHEMA_INVALID' });
    expect(info(3).reason).toMatch(/\/sub/);
    expect(info(4)).toMatchObject({ code: 'BRIDGE_UNKNOWN_SUBTYPE' });
    expect(info(4).reason).toMatch(/unknown eventName "SOMETHING_NEW"/);
    expect(info(5)).toMatchObject({ code: 'BRIDGE_OVERSIZE' });
    expect(bySource.get(ids[1])?.Body).toBe('NOT_A_TYPE');
    expect(bySource.get(ids[3])?.MessageAttributes?.['key']?.StringValue).toBe('bad-sub');
    expect(await counter(f.h, 'fable_bridge_messages_dead_lettered_total')).toBe(6);
    // Recorded with the reason in the ledger.
    const { LedgerRepo } = await import('@fable-jobs/db');
    const ledger = new LedgerRepo(f.h.mysql);
    await until(async () => (await ledger.get(ids[4] ?? '')) !== undefined, { what: 'ledger entry (written behind)' });
    expect(await ledger.get(ids[4] ?? '')).toMatchObject({ status: 'dead-lettered', error_code: 'BRIDGE_UNKNOWN_SUBTYPE' });
    expect(await f.sqs.depth(f.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('marks the legacy jobs row Failed when a transcode message is rejected', async () => {
    const key = `bad-${Date.now()}-${Math.random()}`;
    await f.h.mysql('jobs').insert({ job_type: 'TRANSCODE_VIDEO', job_key: key, processing_status: 1 });
    await f.sqs.send(f.queueUrl, [encodeMessage('TRANSCODE_VIDEO', 'legacy', { ...transcode, key, sub: 'CONVERT_TO_GIF' })]);
    await until(async () => (await f.h.mysql('jobs').where({ job_key: key }).first())?.processing_status === 0, { what: 'jobs row failed' });
    const row = await f.h.mysql('jobs').where({ job_key: key }).first();
    expect(row.failure_reason).toMatch(/^BRIDGE_SCHEMA_INVALID: TRANSCODE_VIDEO: \/sub/);
  });

  it('publishes its liveness in Redis for readiness checks elsewhere', async () => {
    await until(async () => (await f.h.producer.exists(`${f.h.prefix}:fable:bridge:liveness`)) === 1, { what: 'liveness published' });
    expect(await readBridgeLiveness(f.h.producer, f.h.prefix)).toMatchObject({ ok: true });
    expect(await readBridgeLiveness(f.h.producer, `${f.h.prefix}-none`)).toEqual({ ok: false, detail: 'no bridge has reported in the last minute' });
  });
});
