import Type from 'typebox';
import { defineJob } from '../job-definition.ts';

const SECOND = 1000;

const Str = (max = 1024) => Type.String({ maxLength: max });
const Fields = Type.Record(Type.String({ maxLength: 128 }), Str(4096));

/** Lead activity of a demo, as the `CBE` message carries it. Numbers may arrive as strings. */
export const LeadActivity = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    orgId: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number()]),
    ctaClickRate: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    demoCompletion: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    totalTimeSpent: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    demoUniqueViews: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    demoTotalViews: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    lastActiveAt: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])),
    activityUrl: Type.Optional(Str(2048)),
    demoName: Type.Optional(Str(1024)),
  },
  { additionalProperties: Type.Unknown() },
);

export const integrationsJobs = [
  defineJob({
    name: 'integrations.slack-notify',
    pool: 'integrations',
    description: 'Post an NF event (signup, ebook download) to the Slack incoming webhook.',
    schema: Type.Object({ eventName: Str(128), fields: Fields }, { additionalProperties: false }),
    // Slack: about one message per second per incoming webhook.
    limiter: { max: 1, durationMs: SECOND },
  }),
  defineJob({
    name: 'integrations.mailchimp-upsert',
    pool: 'integrations',
    description: 'Upsert a new signup into the Mailchimp audience (subscriber hash = MD5 of the lower-cased email) and tag it.',
    schema: Type.Object(
      { email: Type.String({ minLength: 3, maxLength: 320 }), firstName: Type.Optional(Str(256)), lastName: Type.Optional(Str(256)) },
      { additionalProperties: false },
    ),
    // Two calls per job (member upsert, tags); Mailchimp allows 10 simultaneous connections per key.
    concurrency: 5,
    limiter: { max: 10, durationMs: SECOND },
  }),
  defineJob({
    name: 'integrations.cobalt-linked-account',
    pool: 'integrations',
    description: 'Create the Cobalt linked account for a new org (an existing one counts as success).',
    schema: Type.Object({ orgId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    limiter: { max: 10, durationMs: SECOND },
  }),
  defineJob({
    name: 'integrations.tenant-webhook',
    pool: 'integrations',
    description: 'Deliver a RUN_INTEGRATION event to the tenant webhook (Fable template or Zapier), SSRF-safe and signed.',
    schema: Type.Object(
      // The main API server's tenant integration id (numeric).
      { integrationId: Type.String({ pattern: '^[0-9]{1,18}$' }), event: Str(128), eventPayload: Type.Unknown() },
      { additionalProperties: false },
    ),
    // I/O bound: many deliveries in flight per worker; one tenant never holds more than 5 of them.
    concurrency: 50,
    fairness: { keyField: 'integrationId', maxActivePerKey: 5 },
  }),
  defineJob({
    name: 'integrations.smartlead-lead',
    pool: 'integrations',
    description: 'Add a signup with a subscription to the SmartLead campaign of its plan.',
    schema: Type.Object(
      {
        email: Type.Optional(Str(320)),
        firstName: Type.Optional(Str(256)),
        lastName: Type.Optional(Str(256)),
        subs: Type.Optional(Str(256)),
      },
      // email and firstName are checked by the processor, so a gap fails the job with a reason on the dashboard.
      { additionalProperties: false },
    ),
    // SmartLead allows 10 requests per 2 s per key; a job makes two (campaign check, add lead).
    limiter: { max: 5, durationMs: 2 * SECOND },
  }),
  defineJob({
    name: 'integrations.cobalt-contact-refresh',
    pool: 'integrations',
    description: 'Cobalt webhook event REFRESH_CONTACT_PROPERTIES for a lead (lastActiveAt at UTC midnight).',
    schema: LeadActivity,
    limiter: { max: 10, durationMs: SECOND },
  }),
  defineJob({
    name: 'integrations.cobalt-demo-activity',
    pool: 'integrations',
    description: 'Cobalt webhook event ACTIVITY_ON_DEMO for a lead.',
    schema: LeadActivity,
    limiter: { max: 10, durationMs: SECOND },
  }),
  defineJob({
    name: 'integrations.plan-change',
    pool: 'integrations',
    description: 'Lock or unlock an org\'s demos after a plan change, then republish each changed demo as a child job.',
    schema: Type.Object(
      { orgId: Type.String({ minLength: 1, maxLength: 64 }), beforePlan: Str(64), afterPlan: Str(64) },
      { additionalProperties: false },
    ),
  }),
  defineJob({
    name: 'integrations.republish-demo',
    pool: 'integrations',
    description: 'Ask the main API server to republish one demo (child of integrations.plan-change).',
    schema: Type.Object({ rid: Type.String({ minLength: 1, maxLength: 128 }), orgId: Type.Optional(Str(64)) }, { additionalProperties: false }),
  }),
] as const;
