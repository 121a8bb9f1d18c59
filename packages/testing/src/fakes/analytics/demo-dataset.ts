import type { AnalyticsSeed } from './seed.ts';

/**
 * A small demo platform, three days in March 2025 (UTC): three orgs, four demos (one never
 * viewed), nine sessions by six visitors (one visitor in two orgs, one session running past
 * midnight, one step revisited), 29 events of which 5 were written more than once (7 extra
 * rows), and four lead captures (one person twice in one org, with different capitalisation,
 * and the same e-mail in another org). The tests that use it compute the expected metrics by hand.
 */
export function demoAnalyticsSeed(): AnalyticsSeed {
  return {
    orgs: [
      { id: 101, name: 'Acme' },
      { id: 102, name: 'Globex' },
      { id: 103, name: 'Initech' },
    ],
    entities: [
      { id: 1001, orgId: 101, rid: 'acme-tour', name: 'Acme Tour' },
      { id: 1002, orgId: 101, rid: 'acme-onboarding', name: 'Acme Onboarding' },
      { id: 2001, orgId: 102, rid: 'globex-demo', name: 'Globex Demo' },
      { id: 3001, orgId: 103, rid: 'initech-demo', name: 'Initech Demo' },
    ],
    sessions: [
      {
        label: 'A1', entityId: 1001, visitorId: 'v1', startedAt: '2025-03-01T10:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-01T10:00:05Z', ms: 30_000 },
          { sub: 's2', type: 'view', at: '2025-03-01T10:00:35Z', ms: 45_000, copies: 3 },
          { sub: 's3', type: 'view', at: '2025-03-01T10:01:20Z', ms: 20_000 },
          { sub: 's3', type: 'cta_click', at: '2025-03-01T10:01:30Z' },
          { sub: 's3', type: 'complete', at: '2025-03-01T10:01:40Z' },
        ],
      },
      {
        label: 'A2', entityId: 1001, visitorId: 'v1', startedAt: '2025-03-02T09:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-02T09:00:05Z', ms: 10_000 },
          { sub: 's2', type: 'view', at: '2025-03-02T09:00:15Z', ms: 5_000 },
        ],
      },
      {
        label: 'A3', entityId: 1001, visitorId: 'v2', startedAt: '2025-03-02T23:30:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-02T23:30:05Z', ms: 20_000 },
          { sub: 's1', type: 'cta_click', at: '2025-03-02T23:30:20Z', copies: 2 },
          { sub: 's2', type: 'view', at: '2025-03-02T23:59:50Z', ms: 40_000 },
          { sub: 's3', type: 'view', at: '2025-03-03T00:00:30Z', ms: 15_000 },
          { sub: 's3', type: 'complete', at: '2025-03-03T00:00:45Z' },
        ],
      },
      {
        label: 'A4', entityId: 1001, visitorId: 'v3', startedAt: '2025-03-03T08:00:00Z',
        events: [{ sub: 's1', type: 'view', at: '2025-03-03T08:00:05Z', ms: 12_000 }],
      },
      {
        label: 'B1', entityId: 1002, visitorId: 'v1', startedAt: '2025-03-01T11:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-01T11:00:05Z', ms: 60_000 },
          { sub: 's2', type: 'view', at: '2025-03-01T11:01:05Z', ms: 30_000 },
          { sub: 's2', type: 'complete', at: '2025-03-01T11:01:35Z', copies: 2 },
        ],
      },
      {
        label: 'B2', entityId: 1002, visitorId: 'v4', startedAt: '2025-03-03T14:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-03T14:00:05Z', ms: 25_000 },
          { sub: 's1', type: 'cta_click', at: '2025-03-03T14:00:20Z' },
        ],
      },
      {
        label: 'G1', entityId: 2001, visitorId: 'v5', startedAt: '2025-03-01T12:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-01T12:00:05Z', ms: 10_000 },
          { sub: 's2', type: 'view', at: '2025-03-01T12:00:15Z', ms: 10_000 },
          { sub: 's3', type: 'view', at: '2025-03-01T12:00:25Z', ms: 10_000 },
          { sub: 's4', type: 'view', at: '2025-03-01T12:00:35Z', ms: 10_000, copies: 2 },
          { sub: 's4', type: 'cta_click', at: '2025-03-01T12:00:40Z' },
          { sub: 's4', type: 'complete', at: '2025-03-01T12:00:45Z' },
        ],
      },
      {
        label: 'G2', entityId: 2001, visitorId: 'v1', startedAt: '2025-03-01T18:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-01T18:00:05Z', ms: 5_000 },
          { sub: 's1', type: 'cta_click', at: '2025-03-01T18:00:08Z' },
        ],
      },
      {
        label: 'G3', entityId: 2001, visitorId: 'v6', startedAt: '2025-03-02T07:00:00Z',
        events: [
          { sub: 's1', type: 'view', at: '2025-03-02T07:00:05Z', ms: 8_000 },
          { sub: 's2', type: 'view', at: '2025-03-02T07:00:13Z', ms: 12_000, copies: 3 },
          { sub: 's1', type: 'view', at: '2025-03-02T07:00:25Z', ms: 4_000 },
        ],
      },
    ],
    leads: [
      { orgId: 101, entityId: 1001, session: 'A1', visitorId: 'v1', email: 'Ada@Example.com', firstName: 'Ada', capturedAt: '2025-03-01T10:01:00Z' },
      { orgId: 101, entityId: 1002, session: 'B1', visitorId: 'v1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', capturedAt: '2025-03-01T11:01:00Z' },
      { orgId: 101, entityId: 1001, session: 'A3', visitorId: 'v2', email: 'bob@example.com', firstName: 'Bob', capturedAt: '2025-03-02T23:31:00Z' },
      { orgId: 102, entityId: 2001, session: 'G1', visitorId: 'v5', email: 'ada@example.com', firstName: 'Ada', lastName: 'King', capturedAt: '2025-03-01T12:01:00Z' },
    ],
  };
}
