import { defineMessage } from '../message-definition.ts';
import { LeadActivity } from '../jobs/integrations.ts';
import { isRecord } from '../util.ts';

function parsePayload(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error('attribute `payload` is not valid JSON');
  }
}

export const cbe = defineMessage({
  type: 'CBE',
  description: 'Lead activity on a demo for Cobalt. Legacy: attribute `payload` holds the activity as a JSON string.',
  schema: LeadActivity,
  fromAttributes: (attrs) => parsePayload(attrs['payload']),
  fromJson: (data) => (isRecord(data) && 'payload' in data ? parsePayload(data['payload']) : data),
  routes: (to) => ({
    // Two jobs, so one failing does not resend the other.
    all: [to('integrations.cobalt-contact-refresh', (p) => p), to('integrations.cobalt-demo-activity', (p) => p)],
  }),
});
