import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@fable-jobs/testing';
import { SECRETS, startStack, type Stack } from './stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

const md5 = (v: string) => createHash('md5').update(v).digest('hex');
const basic = (key: string) => `Basic ${Buffer.from(`fable-jobs:${key}`).toString('base64')}`;
const uniq = () => Math.random().toString(36).slice(2, 10);

describe('NF events through SQS', () => {
  it('NEW_USER_SIGNUP posts the Slack notification and upserts + tags the Mailchimp member (a repeat is an update)', async () => {
    const u = uniq();
    const email = `Ada.${u}@Example.com`;
    const hash = md5(email.toLowerCase());
    const jobId = await s.send('NF', { eventName: 'NEW_USER_SIGNUP', payload_email: email, payload_firstName: 'Ada', payload_lastName: 'Lovelace <!channel>' });
    await s.waitFor('integrations.slack-notify', jobId, 'completed');
    await s.waitFor('integrations.mailchimp-upsert', jobId, 'completed');

    const slack = s.fakes.slack.messages().filter((r) => r.body.includes(u));
    expect(slack).toHaveLength(1);
    expect(slack[0]?.headers['content-type']).toBe('application/json');
    expect(slack[0]?.json).toEqual({
      text: 'NEW_USER_SIGNUP (test)',
      blocks: [
        {
          type: 'section',
          // Fields without the payload_ prefix; Slack control sequences escaped.
          text: { type: 'mrkdwn', text: `\`\`\`\nevent_name: NEW_USER_SIGNUP\nemail: ${email}\nfirstName: Ada\nlastName: Lovelace &lt;!channel&gt;\nenv: test\n\`\`\`` },
        },
      ],
    });

    const member = `/3.0/lists/${s.fakes.mailchimp.listId}/members/${hash}`;
    const calls = s.fakes.mailchimp.received((r) => r.path.startsWith(member));
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${member}`, `POST ${member}/tags`]);
    expect(calls[0]?.headers['authorization']).toBe(basic(SECRETS.mailchimpKey));
    expect(calls[0]?.json).toEqual({ email_address: email, status_if_new: 'subscribed', merge_fields: { FNAME: 'Ada', LNAME: 'Lovelace <!channel>' } });
    expect(calls[1]?.json).toEqual({ tags: [{ name: 'Free Trial Signup', status: 'active' }] });
    expect(s.fakes.mailchimp.members.get(hash)).toMatchObject({ email_address: email, status: 'subscribed', tags: ['Free Trial Signup'], merge_fields: { FNAME: 'Ada' } });

    // The same person signing up again (another message) updates the same member.
    const again = await s.send('NF', { eventName: 'NEW_USER_SIGNUP', payload_email: email.toLowerCase(), payload_firstName: 'Ada', payload_lastName: 'King' });
    await s.waitFor('integrations.mailchimp-upsert', again, 'completed');
    expect(s.fakes.mailchimp.received(`PUT ${member}`)).toHaveLength(2);
    expect([...s.fakes.mailchimp.members.values()].filter((m) => m.id === hash)).toHaveLength(1);
    expect(s.fakes.mailchimp.members.get(hash)?.merge_fields).toEqual({ FNAME: 'Ada', LNAME: 'King' });
  });

  it('EBOOK_DOWNLOAD posts only the Slack notification', async () => {
    const u = uniq();
    const before = s.fakes.mailchimp.requests.length;
    const jobId = await s.send('NF', { eventName: 'EBOOK_DOWNLOAD', payload_email: `reader.${u}@example.com`, payload_ebook: 'demo-guide' }, { format: 'json' });
    await s.waitFor('integrations.slack-notify', jobId, 'completed');
    const msg = s.fakes.slack.messages().find((r) => r.body.includes(u));
    expect((msg?.json as { blocks: Array<{ text: { text: string } }> }).blocks[0]?.text.text).toBe(`\`\`\`\nevent_name: EBOOK_DOWNLOAD\nebook: demo-guide\nemail: reader.${u}@example.com\nenv: test\n\`\`\``);
    expect(await s.queues.get('integrations.mailchimp-upsert').getJob(jobId)).toBeUndefined();
    expect(s.fakes.mailchimp.requests.length).toBe(before);
  });

  it('NEW_ORG_CREATED creates the Cobalt linked account; an existing one counts as success', async () => {
    const org = String(Math.floor(Math.random() * 1e9));
    const first = await s.send('NF', { eventName: 'NEW_ORG_CREATED', payload_id: org });
    const done = await s.waitFor('integrations.cobalt-linked-account', first, 'completed');
    expect(done.returnvalue).toEqual({ linkedAccountId: org, created: true });
    const again = await s.send('NF', { eventName: 'NEW_ORG_CREATED', payload_id: org });
    const second = await s.waitFor('integrations.cobalt-linked-account', again, 'completed');
    expect(second.returnvalue).toEqual({ linkedAccountId: org, created: false });

    const calls = s.fakes.cobalt.received((r) => r.path === '/api/v2/public/linked-account' && (r.json as { linked_account_id?: string })?.linked_account_id === org);
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.method).toBe('POST');
      expect(c.headers['x-api-key']).toBe(SECRETS.cobaltKey);
      expect(c.headers['content-type']).toBe('application/json');
      expect(c.json).toEqual({ linked_account_id: org });
    }
  });

  it('NEW_USER_SIGNUP_WITH_SUBS checks the plan campaign, then adds the lead (api_key in the query only)', async () => {
    const u = uniq();
    const jobId = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: `lead.${u}@example.com`, payload_firstName: 'Grace', payload_lastName: 'Hopper', payload_subs: 'STARTUP' });
    const job = await s.waitFor('integrations.smartlead-lead', jobId, 'completed');
    expect(job.returnvalue).toMatchObject({ campaignId: 381761, plan: 'STARTUP', uploadCount: 1 });
    const calls = s.fakes.smartLead.received((r) => r.path.startsWith('/api/v1/campaigns/381761')).slice(-2);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/campaigns/381761', 'POST /api/v1/campaigns/381761/leads']);
    for (const c of calls) {
      expect(c.query).toEqual({ api_key: SECRETS.smartLeadKey });
      expect(JSON.stringify(c.headers)).not.toContain(SECRETS.smartLeadKey);
    }
    expect(calls[1]?.json).toEqual({
      lead_list: [{ email: `lead.${u}@example.com`, first_name: 'Grace', last_name: 'Hopper' }],
      settings: { ignore_global_block_list: false, ignore_unsubscribe_list: false, ignore_duplicate_leads_in_other_campaign: false },
    });
    expect(s.fakes.smartLead.campaigns.get(381761)?.leads).toContainEqual({ email: `lead.${u}@example.com`, first_name: 'Grace', last_name: 'Hopper' });
    expect(s.logLines.join('')).not.toContain(SECRETS.smartLeadKey);
  });

  it('NEW_USER_SIGNUP_WITH_SUBS without email or first name, or with an unmapped or missing campaign, fails the job with the reason', async () => {
    const before = s.fakes.smartLead.requests.length;
    const noEmail = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_firstName: 'X', payload_subs: 'STARTUP' });
    const noName = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: 'n@example.com', payload_subs: 'STARTUP' });
    const noPlan = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: 'p@example.com', payload_firstName: 'P', payload_subs: 'ENTERPRISE' });
    const f1 = await s.waitFor('integrations.smartlead-lead', noEmail, 'failed');
    const f2 = await s.waitFor('integrations.smartlead-lead', noName, 'failed');
    const f3 = await s.waitFor('integrations.smartlead-lead', noPlan, 'failed');
    expect(f1.failedReason).toBe('SMARTLEAD_MISSING_FIELD: the signup has no email (payload_email); SmartLead needs both');
    expect(f2.failedReason).toBe('SMARTLEAD_MISSING_FIELD: the signup has no first name (payload_firstName); SmartLead needs both');
    expect(f3.failedReason).toMatch(/^SMARTLEAD_NO_CAMPAIGN: no SmartLead campaign for plan "ENTERPRISE"/);
    // Permanent: one attempt each, and SmartLead was never called.
    expect([f1.attemptsMade, f2.attemptsMade, f3.attemptsMade]).toEqual([1, 1, 1]);
    expect(s.fakes.smartLead.requests.length).toBe(before);

    const missing = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: 'm@example.com', payload_firstName: 'M', payload_subs: 'LIFETIME_TIER9' });
    const f4 = await s.waitFor('integrations.smartlead-lead', missing, 'failed');
    expect(f4.failedReason).toMatch(/^SMARTLEAD_CAMPAIGN_NOT_FOUND: SmartLead campaign 999999 \(plan LIFETIME_TIER9\) does not exist/);
    expect(s.fakes.smartLead.received((r) => r.path.startsWith('/api/v1/campaigns/999999')).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/campaigns/999999']);
  });

  it('dead-letters an unknown eventName (and a signup without email) with the reason; nothing is called', async () => {
    const before = Object.values(s.fakes).reduce((n, f) => n + f.requests.length, 0);
    const ids = await s.sqs.send(s.queueUrl, [
      { body: 'NF', attributes: { eventName: 'NEW_PARTNER_SIGNUP', payload_email: 'z@example.com' } },
      { body: 'NF', attributes: { eventName: 'NEW_USER_SIGNUP', payload_firstName: 'NoEmail' } },
    ]);
    await until(async () => (await s.sqs.depth(s.dlqUrl)).visible >= 2, { what: 'two dead letters' });
    const dead = await s.sqs.drain(s.dlqUrl);
    const info = new Map(dead.map((m) => {
      const i = JSON.parse(m.MessageAttributes?.['fable_dlq']?.StringValue ?? '{}') as { sourceMessageId: string; code: string; reason: string };
      return [i.sourceMessageId, i];
    }));
    expect(info.get(ids[0] ?? '')).toMatchObject({ code: 'BRIDGE_UNKNOWN_SUBTYPE' });
    expect(info.get(ids[0] ?? '')?.reason).toMatch(/unknown eventName "NEW_PARTNER_SIGNUP" \(known: NEW_USER_SIGNUP, EBOOK_DOWNLOAD, NEW_ORG_CREATED, RUN_INTEGRATION, NEW_USER_SIGNUP_WITH_SUBS\)/);
    expect(info.get(ids[1] ?? '')).toMatchObject({ code: 'BRIDGE_JOB_INVALID' });
    expect(info.get(ids[1] ?? '')?.reason).toMatch(/integrations\.mailchimp-upsert.*email/);
    expect(Object.values(s.fakes).reduce((n, f) => n + f.requests.length, 0)).toBe(before);
  });
});
