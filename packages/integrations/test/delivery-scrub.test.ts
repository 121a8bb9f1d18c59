import { describe, expect, it } from 'vitest';
import { createLogger, Scrubber } from '@fable-jobs/runtime';
import type { WebhookDeliveriesRepo } from '../src/index.ts';
import { DeliveryRecorder } from '../src/webhooks/delivery-recorder.ts';

const SECRET = 'svc-token-never-stored-1234';

/** The recorder with stand-ins for MySQL and the main API that keep what they were given. */
function recorder(scrub: ((s: string) => string) | undefined) {
  const rows: unknown[] = [];
  const logs: unknown[] = [];
  const repo = { recordMany: async (r: unknown[]) => void rows.push(...r) } as unknown as WebhookDeliveriesRepo;
  const mainApi = { addLog: async (l: unknown) => void logs.push(l) } as unknown as ConstructorParameters<typeof DeliveryRecorder>[1];
  const rec = new DeliveryRecorder(repo, mainApi, createLogger({ level: 'silent' }), { scrub });
  return { rec, rows, logs };
}

const failed = {
  eventId: 'evt_1',
  attempt: 1,
  jobId: 'j1',
  integrationId: '61999',
  event: 'CREATE_OR_UPDATE_CONTACT',
  status: 'failed' as const,
  willRetry: false,
  errorCode: 'MAIN_API_UNAVAILABLE',
  // An upstream error body quoting the service token it was sent.
  reason: `Main API server GET /v1/fat/tenant_integration/61999 answered 500: {"errStr":"token ${SECRET} expired"}`,
  responseBody: `echo ${SECRET}`,
};

describe('webhook delivery records', () => {
  it('are scrubbed of configured secrets before MySQL and the main API log', async () => {
    const scrubber = new Scrubber([SECRET]);
    const { rec, rows, logs } = recorder((s) => scrubber.scrub(s));
    await rec.record(failed, { orgId: 5, logType: 'WEBHOOK_EXEC', forObjectType: 'TENANT_INTEGRATION', forObjectId: 61999, logLine: { reason: failed.reason } } as never);
    await rec.flush();
    const text = JSON.stringify({ rows, logs });
    expect(rows).toHaveLength(1);
    expect(logs).toHaveLength(1);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[REDACTED]');
    expect(rows[0]).toMatchObject({ errorCode: 'MAIN_API_UNAVAILABLE', reason: 'Main API server GET /v1/fat/tenant_integration/61999 answered 500: {"errStr":"token [REDACTED] expired"}' });
  });

  it('are kept as they are without a scrubber', async () => {
    const { rec, rows } = recorder(undefined);
    await rec.record(failed, undefined);
    await rec.flush();
    expect(JSON.stringify(rows)).toContain(SECRET);
  });
});
