import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@fable-jobs/testing';
import { stableUuid } from '../src/index.ts';
import { SECRETS, startStack, type Stack } from './stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

const REFRESH = 'integrations.cobalt-contact-refresh';
const ACTIVITY = 'integrations.cobalt-demo-activity';

function lead(org: number) {
  return {
    email: `lead.${org}@example.com`,
    orgId: org,
    ctaClickRate: '0.5',
    demoCompletion: 80,
    totalTimeSpent: '120',
    demoUniqueViews: 3,
    demoTotalViews: '5',
    lastActiveAt: '2026-11-27T13:14:15Z',
    activityUrl: `https://app.example.com/a/${org}`,
    demoName: 'Product tour',
  };
}

const eventsFor = (org: number) => s.fakes.cobalt.events().filter((e) => e.linkedAccountId === String(org));

describe('CBE → two Cobalt events', () => {
  it('sends REFRESH_CONTACT_PROPERTIES (lastActiveAt at UTC midnight) and ACTIVITY_ON_DEMO with the org as linked account', async () => {
    const org = 100_000 + Math.floor(Math.random() * 1e6);
    const jobId = await s.send('CBE', { payload: JSON.stringify(lead(org)) });
    await s.waitFor(REFRESH, jobId, 'completed');
    await s.waitFor(ACTIVITY, jobId, 'completed');

    const events = eventsFor(org);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.request.method).toBe('POST');
      expect(e.request.path).toBe('/api/v2/public/event');
      expect(e.request.headers['x-api-key']).toBe(SECRETS.cobaltKey);
      expect(e.request.headers['content-type']).toBe('application/json');
    }
    const byEvent = Object.fromEntries(events.map((e) => [String(e.event), e.request.json]));
    expect(byEvent['REFRESH_CONTACT_PROPERTIES']).toEqual({
      event: 'REFRESH_CONTACT_PROPERTIES',
      payload: {
        email: `lead.${org}@example.com`,
        ctaClickRate: 0.5,
        demoCompletion: 80,
        totalTimeSpent: 120,
        demoUniqueViews: 3,
        demoTotalViews: 5,
        lastActiveAt: Date.UTC(2026, 10, 27),
        ourEventId: stableUuid(REFRESH, jobId),
      },
    });
    expect(byEvent['ACTIVITY_ON_DEMO']).toEqual({
      event: 'ACTIVITY_ON_DEMO',
      payload: {
        email: `lead.${org}@example.com`,
        activityUrl: `https://app.example.com/a/${org}`,
        demoName: 'Product tour',
        totalTimeSpent: 120,
        completionPercentage: 80,
        ourEventId: stableUuid(ACTIVITY, jobId),
      },
    });
  });

  it('retries a failed event alone, with the same event id; the other is not sent again', async () => {
    const org = 200_000 + Math.floor(Math.random() * 1e6);
    s.fakes.cobalt.script((r) => r.headers['linked_account_id'] === String(org) && (r.json as { event?: string })?.event === 'ACTIVITY_ON_DEMO', { status: 502, body: { message: 'upstream' } });
    const jobId = await s.send('CBE', { payload: JSON.stringify(lead(org)) }, { format: 'json' });
    const activity = await s.waitFor(ACTIVITY, jobId, 'completed');
    const refresh = await s.waitFor(REFRESH, jobId, 'completed');
    expect([refresh.attemptsMade, activity.attemptsMade]).toEqual([1, 2]);
    const events = eventsFor(org);
    expect(events.filter((e) => e.event === 'REFRESH_CONTACT_PROPERTIES')).toHaveLength(1);
    const activities = events.filter((e) => e.event === 'ACTIVITY_ON_DEMO');
    expect(activities.map((e) => (e.payload as { ourEventId: string }).ourEventId)).toEqual([stableUuid(ACTIVITY, jobId), stableUuid(ACTIVITY, jobId)]);
  });

  it('fails an event Cobalt refuses (4xx) permanently, with its message', async () => {
    const org = 300_000 + Math.floor(Math.random() * 1e6);
    s.fakes.cobalt.script((r) => r.headers['linked_account_id'] === String(org) && (r.json as { event?: string })?.event === 'REFRESH_CONTACT_PROPERTIES', { status: 403, body: { message: 'Event not enabled for this org' } });
    const jobId = await s.send('CBE', { payload: JSON.stringify(lead(org)) });
    const failed = await s.waitFor(REFRESH, jobId, 'failed');
    expect(failed.failedReason).toBe('COBALT_AUTH: Cobalt POST /api/v2/public/event (REFRESH_CONTACT_PROPERTIES) answered 403: Event not enabled for this org');
    expect(failed.attemptsMade).toBe(1);
    await s.waitFor(ACTIVITY, jobId, 'completed');
  });

  it("a Cobalt 429 pauses Cobalt for Retry-After across its queues, without using an attempt", async () => {
    const org = String(400_000 + Math.floor(Math.random() * 1e6));
    s.fakes.cobalt.script((r) => r.path === '/api/v2/public/linked-account' && (r.json as { linked_account_id?: string })?.linked_account_id === org, { status: 429, headers: { 'retry-after': '2' }, body: { message: 'Too many requests' } });
    const created = await s.send('NF', { eventName: 'NEW_ORG_CREATED', payload_id: org });
    await until(() => s.fakes.cobalt.received((r) => r.path === '/api/v2/public/linked-account' && (r.json as { linked_account_id?: string })?.linked_account_id === org).length === 1, { what: 'the 429' });
    const limitedAt = s.fakes.cobalt.requests.at(-1)?.at ?? 0;
    // Another Cobalt queue's job, sent after the 429: it waits for the same window.
    const jobId = await s.send('CBE', { payload: JSON.stringify(lead(Number(org))) });
    await s.waitFor(REFRESH, jobId, 'completed');
    await s.waitFor(ACTIVITY, jobId, 'completed');
    for (const e of eventsFor(Number(org))) expect(e.request.at - limitedAt).toBeGreaterThanOrEqual(1900);

    const job = await s.waitFor('integrations.cobalt-linked-account', created, 'completed');
    expect(job.attemptsMade).toBe(1);
    expect(job.attemptsStarted).toBe(2);
    const calls = s.fakes.cobalt.received((r) => r.path === '/api/v2/public/linked-account' && (r.json as { linked_account_id?: string })?.linked_account_id === org);
    expect(calls).toHaveLength(2);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
  });
});
