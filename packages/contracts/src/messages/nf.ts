import Type from 'typebox';
import { defineMessage } from '../message-definition.ts';
import { compact, isRecord } from '../util.ts';

export const NF_EVENTS = ['NEW_USER_SIGNUP', 'EBOOK_DOWNLOAD', 'NEW_ORG_CREATED', 'RUN_INTEGRATION', 'NEW_USER_SIGNUP_WITH_SUBS'] as const;

const NfPayload = Type.Object(
  { eventName: Type.String({ minLength: 1, maxLength: 128 }) },
  // The event's fields, each as a `payload_<field>` String attribute.
  { additionalProperties: Type.String({ maxLength: 64 * 1024 }) },
);
type NfPayload = Type.Static<typeof NfPayload>;

/** One `payload_<name>` attribute (TypeBox's static type does not carry the index signature). */
const field = (p: NfPayload, name: string): string | undefined => (p as Record<string, string | undefined>)[`payload_${name}`];

/** The `payload_*` fields without their prefix. */
export function nfFields(p: NfPayload): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (k.startsWith('payload_') && typeof v === 'string') fields[k.slice('payload_'.length)] = v;
  return fields;
}

function parseEventPayload(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error('payload_eventPayload is not valid JSON');
  }
}

export const nf = defineMessage({
  type: 'NF',
  description: 'A platform notification event; attribute eventName picks the work, payload_* attributes carry its fields.',
  schema: NfPayload,
  // JSON producers may send the fields nested: {"eventName": ..., "payload": {...}}.
  fromJson: (data) => {
    if (!isRecord(data) || !isRecord(data['payload'])) return data;
    const { payload, ...rest } = data;
    const flat: Record<string, unknown> = { ...rest };
    for (const [k, v] of Object.entries(payload as Record<string, unknown>)) flat[`payload_${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
    return flat;
  },
  routes: (to) => ({
    by: 'eventName',
    select: (p) => p.eventName,
    cases: {
      NEW_USER_SIGNUP: [
        to('integrations.slack-notify', (p) => ({ eventName: p.eventName, fields: nfFields(p) })),
        to('integrations.mailchimp-upsert', (p) =>
          compact({ email: field(p, 'email') as string, firstName: field(p, 'firstName'), lastName: field(p, 'lastName') }),
        ),
      ],
      EBOOK_DOWNLOAD: [to('integrations.slack-notify', (p) => ({ eventName: p.eventName, fields: nfFields(p) }))],
      NEW_ORG_CREATED: [to('integrations.cobalt-linked-account', (p) => ({ orgId: field(p, 'id') as string }))],
      RUN_INTEGRATION: [
        to('integrations.tenant-webhook', (p) => ({
          integrationId: field(p, 'integrationId') as string,
          event: field(p, 'event') as string,
          eventPayload: parseEventPayload(field(p, 'eventPayload')),
        })),
      ],
      NEW_USER_SIGNUP_WITH_SUBS: [
        to('integrations.smartlead-lead', (p) =>
          compact({ email: field(p, 'email'), firstName: field(p, 'firstName'), lastName: field(p, 'lastName'), subs: field(p, 'subs') }),
        ),
      ],
    },
  }),
});
