import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueBulk } from '@fable-jobs/queue';
import { until } from '@fable-jobs/testing';
import { startStack, type Stack } from './stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

const Q = 'integrations.tenant-webhook';
const FLOOD = 5000;

describe('fairness between tenants', () => {
  it(`a single delivery for tenant B starts within 2 s behind ${FLOOD} queued deliveries for tenant A`, async () => {
    const base = String(Date.now() % 1_000_000_000);
    const [a, b] = [`${base}1`, `${base}2`];
    for (const [id, path] of [[a, '/tenant-a'], [b, '/tenant-b']] as const) {
      s.fakes.mainApi.integrations.set(id, {
        org: { id: Number(id) },
        platformIntegration: { type: 'FableWebhook' },
        tenantIntegration: { id: Number(id), tenantConfig: { url: `${s.fakes.tenant.url}${path}`, reqBody: '{"email":"{{email}}","n":"{{n}}"}', reqHeaders: '{}' } },
      });
    }
    s.fakes.mainApi.demos.set('777', { id: 777, rid: 'rid-777', displayName: 'Tour' });
    // Tenant A's receiver is slow, so its deliveries hold their slots.
    s.fakes.tenant.script('POST /tenant-a', ...Array.from({ length: FLOOD }, () => ({ status: 200, delayMs: 200, body: 'ok' })));

    await enqueueBulk(
      s.queues,
      Array.from({ length: FLOOD }, (_, n) => ({
        name: Q,
        data: { integrationId: a, event: 'CREATE_OR_UPDATE_CONTACT', eventPayload: { email: `a${n}@example.com`, n, ti: 777 } },
        jobId: `flood-${base}-${n}`,
        meta: { source: 'test' as const },
      })),
    );
    await until(() => s.fakes.tenant.received('POST /tenant-a').length >= 5, { what: "tenant A's deliveries running" });

    const sentAt = Date.now();
    const jobId = await s.send('NF', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: b, payload_eventPayload: JSON.stringify({ email: 'b@example.com', n: 1, ti: 777 }) });
    const job = await s.waitFor(Q, jobId, 'completed', 30_000);
    const startedAfterMs = Math.max(0, (job.processedOn ?? 0) - job.timestamp);
    const [delivered] = s.fakes.tenant.received('POST /tenant-b');
    const waiting = await s.queues.get(Q).getJobCounts('prioritized', 'waiting', 'delayed', 'active');
    console.log(`fairness: tenant B started ${startedAfterMs} ms after it was queued (delivered ${(delivered?.at ?? 0) - sentAt} ms after the SQS send), with tenant A still holding ${JSON.stringify(waiting)}`);

    expect(delivered?.json).toEqual({ email: 'b@example.com', n: '1' });
    expect(startedAfterMs).toBeLessThan(2000);
    // A was far from done: B did not simply wait its turn.
    expect(s.fakes.tenant.received('POST /tenant-a').length).toBeLessThan(FLOOD / 2);
    // Never more than A's cap (5) of A's deliveries at once.
    const aRequests = s.fakes.tenant.received('POST /tenant-a').map((r) => r.at);
    const maxConcurrentA = Math.max(...aRequests.map((t) => aRequests.filter((u) => u <= t && u > t - 200).length));
    expect(maxConcurrentA).toBeLessThanOrEqual(5);
  });
});
