import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineJob, defineMessage, encodeMessage, MESSAGES, openEnvelope, Registry, RegistryError, registry, type AnyJobDefinition, type MessageDefinition } from '../src/index.ts';

function route(type: string, format: 'legacy' | 'json', data: Record<string, unknown>) {
  const m = encodeMessage(type, format, data);
  const env = openEnvelope(m.body, m.attributes);
  if (!env.ok) throw new Error(env.reason);
  return registry.route(env.value);
}

const transcode = { key: 'job-1', sourceFilePath: 'https://b.s3.us-east-1.amazonaws.com/d/f.mp4', processedFilePath: 'https://b.s3.us-east-1.amazonaws.com/out/', sub: 'CONVERT_TO_HLS', uploader: 'u1' };
const lead = { email: 'lead@example.com', orgId: '42', ctaClickRate: 0.5, demoCompletion: '80', lastActiveAt: '2026-11-27T13:14:15Z', demoName: 'Tour' };

// Every declared message type, in both formats, with the jobs it must produce.
const cases: Array<[string, Record<string, unknown>, Array<[string, unknown]>]> = [
  ['TRANSCODE_VIDEO', transcode, [['media.transcode-video', transcode]]],
  ['TRANSCODE_AUDIO', { ...transcode, sub: 'CONVERT_TO_WEBM' }, [['media.transcode-audio', { ...transcode, sub: 'CONVERT_TO_WEBM' }]]],
  [
    'NF',
    { eventName: 'NEW_USER_SIGNUP', payload_email: 'ada@example.com', payload_firstName: 'Ada', payload_lastName: 'L' },
    [
      ['integrations.slack-notify', { eventName: 'NEW_USER_SIGNUP', fields: { email: 'ada@example.com', firstName: 'Ada', lastName: 'L' } }],
      ['integrations.mailchimp-upsert', { email: 'ada@example.com', firstName: 'Ada', lastName: 'L' }],
    ],
  ],
  ['NF', { eventName: 'EBOOK_DOWNLOAD', payload_email: 'e@x.io' }, [['integrations.slack-notify', { eventName: 'EBOOK_DOWNLOAD', fields: { email: 'e@x.io' } }]]],
  ['NF', { eventName: 'NEW_ORG_CREATED', payload_id: '77' }, [['integrations.cobalt-linked-account', { orgId: '77' }]]],
  [
    'NF',
    { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_eventPayload: '{"email":"x@y.z","ti":5}', payload_integrationId: '9' },
    [['integrations.tenant-webhook', { integrationId: '9', event: 'CREATE_OR_UPDATE_CONTACT', eventPayload: { email: 'x@y.z', ti: 5 } }]],
  ],
  [
    'NF',
    { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: 's@x.io', payload_firstName: 'S', payload_subs: 'STARTUP' },
    [['integrations.smartlead-lead', { email: 's@x.io', firstName: 'S', subs: 'STARTUP' }]],
  ],
  ['SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', { orgIdStr: '5', beforePlan: 'SOLO', afterPlan: 'STARTUP' }, [['integrations.plan-change', { orgId: '5', beforePlan: 'SOLO', afterPlan: 'STARTUP' }]]],
  ['TRIGGER_ANALYTICS_JOB', { job: 'UPDATE_HOUSE_LEAD' }, [['analytics.update-house-lead', { kind: 'UPDATE_HOUSE_LEAD', trigger: 'sqs' }]]],
  ['SYSTEM_NOOP', {}, [['system.noop', {}]]],
  ['SYSTEM_EFFECT', { effectKey: 'e1' }, [['system.effect', { effectKey: 'e1' }]]],
];

describe('registry routes', () => {
  it.each(cases.flatMap(([type, data, jobs]) => (['legacy', 'json'] as const).map((f) => [type, f, data, jobs] as const)))(
    '%s (%s) → its jobs with the right data',
    (type, format, data, jobs) => {
      const r = route(type, format, data);
      expect(r.ok ? r.value.jobs.map((j) => [j.name, j.data]) : r).toEqual(jobs);
    },
  );

  it('routes CBE to two Cobalt jobs carrying the lead activity', () => {
    for (const format of ['legacy', 'json'] as const) {
      const r = route('CBE', format, { payload: lead });
      expect(r.ok ? r.value.jobs.map((j) => j.name) : r).toEqual(['integrations.cobalt-contact-refresh', 'integrations.cobalt-demo-activity']);
      expect(r.ok && r.value.jobs[0]?.data).toEqual(lead);
    }
    // A JSON producer may also send the activity itself as data.
    const direct = registry.route({ format: 'json', type: 'CBE', data: lead });
    expect(direct.ok && direct.value.jobs.length).toBe(2);
  });

  it('accepts NF fields nested under payload in the JSON format', () => {
    const r = registry.route({ format: 'json', type: 'NF', data: { eventName: 'EBOOK_DOWNLOAD', payload: { email: 'n@x.io', count: 2 } } });
    expect(r.ok && r.value.jobs[0]?.data).toEqual({ eventName: 'EBOOK_DOWNLOAD', fields: { email: 'n@x.io', count: '2' } });
  });

  it('covers every declared message type', () => {
    expect(new Set(cases.map(([t]) => t)).size + 1).toBe(MESSAGES.length); // + CBE, tested separately
  });

  it.each([
    ['FOO', 'legacy', {}, 'BRIDGE_UNKNOWN_TYPE', /unknown message type "FOO"/],
    ['NF', 'legacy', { eventName: 'NOPE' }, 'BRIDGE_UNKNOWN_SUBTYPE', /unknown eventName "NOPE" \(known: NEW_USER_SIGNUP/],
    ['TRIGGER_ANALYTICS_JOB', 'json', { job: 'MAKE_COFFEE' }, 'BRIDGE_UNKNOWN_SUBTYPE', /unknown job "MAKE_COFFEE"/],
    ['TRANSCODE_VIDEO', 'legacy', { ...transcode, sub: 'CONVERT_TO_GIF' }, 'BRIDGE_SCHEMA_INVALID', /\/sub/],
    ['TRANSCODE_AUDIO', 'json', { sub: 'CONVERT_TO_HLS' }, 'BRIDGE_SCHEMA_INVALID', /required properties key/],
    ['CBE', 'legacy', { payload: '{not json' }, 'BRIDGE_SCHEMA_INVALID', /payload.*not valid JSON/],
    ['NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_integrationId: '1', payload_event: 'E', payload_eventPayload: '{' }, 'BRIDGE_ROUTE_FAILED', /payload_eventPayload is not valid JSON/],
    ['NF', 'legacy', { eventName: 'NEW_USER_SIGNUP' }, 'BRIDGE_JOB_INVALID', /mailchimp-upsert/],
    ['SYSTEM_NOOP', 'json', { _meta: { source: 'x' } }, 'BRIDGE_SCHEMA_INVALID', /reserved/],
  ] as const)('rejects %s %s %j with %s', (type, format, data, code, reason) => {
    const r = route(type, format, data);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.reason).toMatch(reason);
    }
  });
});

describe('Registry construction', () => {
  const job = defineJob({ name: 'x.one', pool: 'system', description: 'd', schema: Type.Object({}) });
  const asJobs = (...j: unknown[]) => j as AnyJobDefinition[];
  const msg = (target: string) =>
    ({ type: 'M', description: 'd', schema: Type.Object({}), fromAttributes: (a: unknown) => a, fromJson: (d: unknown) => d, routes: { all: [{ job: target, map: (p: unknown) => p }] } }) as unknown as MessageDefinition;

  it('throws on a duplicate job name', () => {
    expect(() => new Registry(asJobs(job, job), [])).toThrow(new RegistryError('job "x.one" is declared twice'));
  });
  it('throws on a route to an unknown job', () => {
    expect(() => new Registry(asJobs(job), [msg('x.missing')])).toThrow(/routes to unknown job "x.missing"/);
  });
  it('throws on a duplicate message type', () => {
    expect(() => new Registry(asJobs(job), [msg('x.one'), msg('x.one')])).toThrow(/message type "M" is declared twice/);
  });
  it('throws on a malformed job name', () => {
    expect(() => new Registry(asJobs({ ...job, name: 'bad:name' }), [])).toThrow(/domain.action/);
  });
  it('accepts the fleet catalogue', () => {
    expect(registry.jobs().length).toBeGreaterThan(10);
    expect(() => defineMessage({ type: 'OK', description: '', schema: Type.Object({}), routes: (to) => ({ all: [to('system.noop', () => ({}))] }) })).not.toThrow();
  });
});
