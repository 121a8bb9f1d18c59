import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMailchimp } from '@fable-jobs/testing';
import { SECRETS, startStack, type Stack } from './stack.ts';

let s: Stack;
// No scrubber on logs or failure reasons here: a secret our code let slip would show.
beforeAll(async () => {
  s = await startStack({ scrub: false });
});
afterAll(async () => {
  await s?.close();
});

const uniq = () => Math.random().toString(36).slice(2, 10);
const SLACK = 'integrations.slack-notify';
const MAILCHIMP = 'integrations.mailchimp-upsert';
const SMARTLEAD = 'integrations.smartlead-lead';

describe('provider failures: retried, permanent or rate-limited', () => {
  it('Slack: 500 is retried; 410 channel_is_archived fails for good with what to do', async () => {
    const u = uniq();
    s.fakes.slack.script((r) => r.body.includes(u), { status: 500, headers: { 'content-type': 'text/plain' }, body: 'rollup_error' });
    const retried = await s.send('NF', { eventName: 'EBOOK_DOWNLOAD', payload_email: `${u}@example.com` });
    const ok = await s.waitFor(SLACK, retried, 'completed');
    expect(ok.attemptsMade).toBe(2);
    expect(s.fakes.slack.messages().filter((r) => r.body.includes(u))).toHaveLength(2);

    const v = uniq();
    s.fakes.slack.script((r) => r.body.includes(v), { status: 410, headers: { 'content-type': 'text/plain' }, body: 'channel_is_archived' });
    const archived = await s.send('NF', { eventName: 'EBOOK_DOWNLOAD', payload_email: `${v}@example.com` });
    const failed = await s.waitFor(SLACK, archived, 'failed');
    expect(failed.failedReason).toBe('SLACK_REJECTED: Slack answered 410 channel_is_archived: the channel of SLACK_WEBHOOK_URL is archived');
    expect(failed.attemptsMade).toBe(1);
  });

  it('Slack: a 429 pauses the Slack queue for Retry-After and does not use an attempt', async () => {
    const u = uniq();
    s.fakes.slack.script((r) => r.body.includes(u), { status: 429, headers: { 'content-type': 'text/plain', 'retry-after': '2' }, body: 'rate_limited' });
    const jobId = await s.send('NF', { eventName: 'EBOOK_DOWNLOAD', payload_email: `${u}@example.com` });
    const job = await s.waitFor(SLACK, jobId, 'completed');
    expect(job.attemptsMade).toBe(1);
    expect(job.attemptsStarted).toBe(2);
    const [limited, sent] = s.fakes.slack.messages().filter((r) => r.body.includes(u));
    expect((sent?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900);
  });

  it('Mailchimp: problem JSON on a 4xx becomes a permanent reason; a 503 on tagging retries the upsert as an update', async () => {
    const bad = `bad.${uniq()}@example.com`;
    s.fakes.mailchimp.script((r) => r.method === 'PUT' && r.body.includes(bad), FakeMailchimp.problem(400, 'Forgotten Email Not Subscribed', `${bad} was permanently deleted and cannot be re-imported.`));
    const refused = await s.send('NF', { eventName: 'NEW_USER_SIGNUP', payload_email: bad });
    const failed = await s.waitFor(MAILCHIMP, refused, 'failed');
    expect(failed.failedReason).toBe(`MAILCHIMP_REJECTED: Mailchimp PUT /3.0/lists/${s.fakes.mailchimp.listId}/members/{hash} answered 400 Forgotten Email Not Subscribed: ${bad} was permanently deleted and cannot be re-imported.`);
    expect(failed.attemptsMade).toBe(1);

    const email = `flaky.${uniq()}@example.com`;
    const hash = createHash('md5').update(email).digest('hex');
    s.fakes.mailchimp.script(`POST /3.0/lists/${s.fakes.mailchimp.listId}/members/${hash}/tags`, FakeMailchimp.problem(503, 'Service Unavailable', 'Try again later.'));
    const jobId = await s.send('NF', { eventName: 'NEW_USER_SIGNUP', payload_email: email, payload_firstName: 'F' });
    const job = await s.waitFor(MAILCHIMP, jobId, 'completed');
    expect(job.attemptsMade).toBe(2);
    expect(s.fakes.mailchimp.received((r) => r.path.includes(hash)).map((r) => r.method)).toEqual(['PUT', 'POST', 'PUT', 'POST']);
    expect(s.fakes.mailchimp.members.get(hash)?.tags).toEqual(['Free Trial Signup']);
  });

  it('SmartLead: no answer in time is retried; a refused key fails for good; the key never reaches a reason or a log line', async () => {
    const u = uniq();
    s.fakes.smartLead.script((r) => r.method === 'POST' && r.body.includes(u), { status: 200, hang: true });
    const slow = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: `${u}@example.com`, payload_firstName: 'S', payload_subs: 'SOLO' });
    const done = await s.waitFor(SMARTLEAD, slow, 'completed', 30_000);
    expect(done.attemptsMade).toBe(2);
    expect(s.fakes.smartLead.campaigns.get(381455)?.leads.filter((l) => l.email === `${u}@example.com`)).toHaveLength(1);

    const v = uniq();
    s.fakes.smartLead.script('GET /api/v1/campaigns/381455', { status: 401, body: { message: `Invalid API Key ${SECRETS.smartLeadKey.slice(0, 3)}…` } });
    const refused = await s.send('NF', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: `${v}@example.com`, payload_firstName: 'S', payload_subs: 'SOLO' });
    const failed = await s.waitFor(SMARTLEAD, refused, 'failed');
    expect(failed.failedReason).toMatch(/^SMARTLEAD_AUTH: SmartLead GET \/campaigns\/381455 answered 401: Invalid API Key/);

    const everything = [
      ...(await s.queues.get(SMARTLEAD).getJobs(['completed', 'failed'])).map((j) => JSON.stringify({ data: j.data, failedReason: j.failedReason, stack: j.stacktrace, rv: j.returnvalue })),
      ...s.logLines,
    ].join('\n');
    expect(everything).toMatch(/SMARTLEAD_TIMEOUT: SmartLead POST \/campaigns\/381455\/leads: no complete answer within 3000 ms/);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  });

  it('the main API token and provider keys stay out of job data, reasons and logs across every queue', async () => {
    const all: string[] = [...s.logLines];
    for (const q of s.runner.jobNames) {
      for (const j of await s.queues.get(q).getJobs(['completed', 'failed', 'delayed', 'wait'])) all.push(JSON.stringify({ d: j.data, r: j.failedReason, s: j.stacktrace, v: j.returnvalue }));
    }
    const text = all.join('\n');
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(`fable-jobs:${SECRETS.mailchimpKey}`).toString('base64'));
  });
});
