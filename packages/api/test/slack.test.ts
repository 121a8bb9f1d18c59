import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature } from '@fable-jobs/testing';
import { SLACK_SECRET, SLACK_TOKEN, startApi, startExternals, type ApiFixture, type Externals } from './llm-fixture.ts';

let ext: Externals;
let api: ApiFixture;
const t = `slk${randomBytes(3).toString('hex')}`;
const tables = { users: `${t}_users`, orgs: `${t}_orgs`, userOrgs: `${t}_user_orgs`, subscriptions: `${t}_subscriptions` };
const ADMIN = 'U0ADMIN1';

beforeAll(async () => {
  ext = await startExternals();
  api = await startApi(ext, {
    worker: false,
    env: {
      SLACK_ALLOWED_USER_IDS: `${ADMIN},U0ADMIN2`,
      PLATFORM_USERS_TABLE: tables.users,
      PLATFORM_ORGS_TABLE: tables.orgs,
      PLATFORM_USER_ORGS_TABLE: tables.userOrgs,
      PLATFORM_SUBSCRIPTIONS_TABLE: tables.subscriptions,
    },
  });
  // Fixture copies of the main platform's tables (the platform owns the real ones).
  const db = api.h.mysql;
  await db.schema.createTable(tables.users, (x) => {
    x.increments('id');
    x.string('email', 320);
    x.string('first_name', 100).nullable();
    x.string('last_name', 100).nullable();
  });
  await db.schema.createTable(tables.orgs, (x) => {
    x.increments('id');
    x.string('display_name', 200);
    x.text('feature_gate_override').nullable();
  });
  await db.schema.createTable(tables.userOrgs, (x) => {
    x.integer('user_id');
    x.integer('org_id');
    x.string('role', 32).nullable();
  });
  await db.schema.createTable(tables.subscriptions, (x) => {
    x.integer('org_id');
    x.string('payment_plan', 32);
    x.string('payment_interval', 32).nullable();
    x.string('status', 32).nullable();
  });
  await db(tables.users).insert([{ id: 1, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }, { id: 2, email: 'bob@example.com' }]);
  await db(tables.orgs).insert([{ id: 10, display_name: 'Analytical Engines' }, { id: 11, display_name: 'Side Project', feature_gate_override: '{"ai_voiceover":true}' }]);
  await db(tables.userOrgs).insert([{ user_id: 1, org_id: 10, role: 'admin' }, { user_id: 1, org_id: 11, role: 'member' }]);
  await db(tables.subscriptions).insert([{ org_id: 10, payment_plan: 'BUSINESS', payment_interval: 'ANNUAL', status: 'active' }]);
  ext.mainApi.publishDemo('pubrid1', { name: 'Close books faster', description: 'See month-end in 5 clicks', cta: { text: 'Book a call', url: 'https://fable.test/book' }, websiteUrl: 'https://acme.test' });
  ext.mainApi.publishDemo('privrid2', { name: 'Draft demo' });
});

afterAll(async () => {
  for (const name of Object.values(tables)) await api?.h.mysql.schema.dropTableIfExists(name);
  await api?.close();
  await ext?.stop();
});

function signed(payload: string, contentType: string, opts: { secret?: string; ts?: number; url?: string } = {}) {
  return api.app.inject({
    method: 'POST',
    url: opts.url ?? '/v1/slack/url_verification',
    headers: { 'content-type': contentType, ...slackSignature(opts.secret ?? SLACK_SECRET, payload, opts.ts) },
    payload,
  });
}
const event = (body: Record<string, unknown>, opts: { url?: string; ts?: number; secret?: string } = {}) => signed(JSON.stringify(body), 'application/json', opts);
const command = (path: string, fields: Record<string, string>) => signed(new URLSearchParams({ command: `/${path}`, team_id: 'T1', ...fields }).toString(), 'application/x-www-form-urlencoded', { url: `/v1/slack/pango/${path}` });

describe('Slack request verification', () => {
  it('answers the url_verification challenge of a correctly signed request, on both mounts', async () => {
    for (const url of ['/v1/slack/url_verification', '/v1/f/slack/url_verification']) {
      const challenge = `c-${Math.random()}`;
      const res = await event({ type: 'url_verification', token: 'legacy', challenge }, { url });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ challenge });
    }
  });

  it('refuses a bad signature, a stale timestamp, missing headers and a replay', async () => {
    const body = { type: 'url_verification', challenge: 'x1' };
    expect((await event(body, { secret: 'not-the-secret' })).statusCode).toBe(401);
    // Correctly signed six minutes ago.
    expect((await event(body, { ts: Math.floor(Date.now() / 1000) - 360 })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'POST', url: '/v1/slack/url_verification', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })).statusCode).toBe(401);
    // A signature over another body does not cover this one.
    const headers = slackSignature(SLACK_SECRET, JSON.stringify({ type: 'url_verification', challenge: 'other' }));
    expect((await api.app.inject({ method: 'POST', url: '/v1/slack/url_verification', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) })).statusCode).toBe(401);

    const raw = JSON.stringify({ type: 'url_verification', challenge: `replay-${Math.random()}` });
    const once = slackSignature(SLACK_SECRET, raw);
    const send = () => api.app.inject({ method: 'POST', url: '/v1/slack/url_verification', headers: { 'content-type': 'application/json', ...once }, payload: raw });
    expect((await send()).statusCode).toBe(200);
    const replay = await send();
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual({ status: 'Failure', data: { err: 'unauthorized', errCode: 'SLACK_UNAUTHORIZED' } });
  });

  it('answers 503 when no signing secret is configured', async () => {
    const bare = await startApi(ext, { worker: false, env: { SLACK_SIGNING_SECRET: '' } });
    try {
      const raw = JSON.stringify({ type: 'url_verification', challenge: 'x' });
      const res = await bare.app.inject({ method: 'POST', url: '/v1/slack/url_verification', headers: { 'content-type': 'application/json', ...slackSignature(SLACK_SECRET, raw) }, payload: raw });
      expect(res.statusCode).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

describe('link_shared unfurls', () => {
  it('unfurls public and private demo links with chat.unfurl, skips ?nf=1, and handles a retried event once', async () => {
    const publicUrl = `https://app.fable.test/live/demo/pubrid1`;
    const privateUrl = `https://app.fable.test/demo/privrid2`;
    const eventId = `Ev${Math.random().toString(36).slice(2)}`;
    const payload = {
      type: 'event_callback',
      event_id: eventId,
      event: {
        type: 'link_shared',
        channel: 'C0123',
        message_ts: '1732800000.000100',
        source: 'conversations_history',
        links: [
          { domain: 'app.fable.test', url: publicUrl },
          { domain: 'app.fable.test', url: privateUrl },
          { domain: 'app.fable.test', url: 'https://app.fable.test/demo/skipme?nf=1' },
          { domain: 'elsewhere.test', url: 'https://elsewhere.test/page' },
        ],
      },
    };
    const res = await event(payload, { url: '/v1/slack/handle' });
    expect(res.statusCode).toBe(200);
    const call = await ext.slack.waitForUnfurl(publicUrl);
    expect(call.request.headers.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    expect(call.contentType).toMatch(/^application\/json; charset=utf-8/);
    expect(call.channel).toBe('C0123');
    expect(call.ts).toBe('1732800000.000100');
    expect(Object.keys(call.unfurls).sort()).toEqual([privateUrl, publicUrl].sort());

    const pub = call.unfurls[publicUrl]?.blocks ?? [];
    expect(JSON.stringify(pub[0])).toContain('*Close books faster*\\nSee month-end in 5 clicks');
    const pubButtons = (pub[1] as { elements: Array<{ text: { text: string }; url: string }> }).elements.map((b) => [b.text.text, b.url]);
    expect(pubButtons).toEqual([
      ['Book a call', 'https://fable.test/book'],
      ['Open website', 'https://acme.test'],
      ['View demo', publicUrl],
    ]);
    const priv = call.unfurls[privateUrl]?.blocks ?? [];
    const privButtons = (priv[1] as { elements: Array<{ text: { text: string }; url: string }> }).elements.map((b) => [b.text.text, b.url]);
    expect(privButtons).toEqual([
      ['Preview', 'https://app.fable.test/preview/demo/privrid2'],
      ['Edit', 'https://app.fable.test/demo/privrid2'],
      ['Analytics', 'https://app.fable.test/a/demo/privrid2'],
    ]);

    // Slack retries the same event later (so: a new timestamp and signature): acknowledged, not unfurled again.
    await api.app.backgroundTasks.idle();
    const count = ext.slack.unfurls.length;
    expect((await event(payload, { url: '/v1/slack/handle', ts: Math.floor(Date.now() / 1000) + 2 })).statusCode).toBe(200);
    await api.app.backgroundTasks.idle();
    expect(ext.slack.unfurls.length).toBe(count);
  });

  it('does not call Slack for links that are not demos or ask not to be unfurled, and acks other events', async () => {
    const before = ext.slack.server.requests.length;
    const res = await event({ type: 'event_callback', event_id: `Ev${Math.random()}`, event: { type: 'link_shared', channel: 'C1', message_ts: '1.2', links: [{ url: 'https://app.fable.test/demo/x?nf=1' }, { url: 'https://app.fable.test/pricing' }] } });
    expect(res.statusCode).toBe(200);
    expect((await event({ type: 'event_callback', event_id: `Ev${Math.random()}`, event: { type: 'app_mention', text: 'hi' } })).statusCode).toBe(200);
    await api.app.backgroundTasks.idle();
    expect(ext.slack.server.requests.length).toBe(before);
  });
});

describe('pango slash commands', () => {
  it('shows a user orgs and subscriptions to allowlisted users only', async () => {
    const res = await command('user-details', { user_id: ADMIN, text: 'email=<mailto:Ada@Example.com|Ada@Example.com>' });
    expect(res.statusCode).toBe(200);
    const reply = res.json() as { response_type: string; text: string };
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('*Ada Lovelace* <ada@example.com> — user 1');
    expect(reply.text).toContain('org 10 *Analytical Engines* — admin — BUSINESS / ANNUAL (active)');
    expect(reply.text).toContain('org 11 *Side Project* — member — no subscription');

    const stranger = await command('user-details', { user_id: 'U0STRANGER', text: 'email=ada@example.com' });
    expect(stranger.json()).toEqual({ response_type: 'ephemeral', text: 'You are not allowed to run this command.' });
  });

  it('treats command text as data, never as SQL', async () => {
    const sneaky = await command('user-details', { user_id: ADMIN, text: "email=x'OR'1'='1@example.com" });
    expect(sneaky.json().text).toBe("No user with email x'or'1'='1@example.com.");
    const usage = await command('user-details', { user_id: ADMIN, text: 'email=; DROP TABLE users' });
    expect(usage.json().text).toBe('Usage: `email=<address>`');
    const org = await command('update-feature', { user_id: ADMIN, text: 'orgId=10 OR 1=1' });
    expect(org.json().text).toMatch(/^Not changed: the block is not valid JSON/);
    expect(await api.h.mysql(tables.users).count({ n: '*' }).first()).toEqual({ n: 2 });
  });

  it('shows and sets an org feature-gate override from a JSON block, validating it', async () => {
    const show = await command('update-feature', { user_id: 'U0ADMIN2', text: 'orgId=11' });
    expect(show.json().text).toBe('Org 11 *Side Project* feature-gate override:\n```{\n  "ai_voiceover": true\n}```');

    const set = await command('update-feature', { user_id: ADMIN, text: 'orgId=10\n```{\u201cai_voiceover\u201d: false, "max_demos": 25}```' });
    expect(set.json().text).toContain('feature-gate override set to');
    const [row] = await api.h.mysql(tables.orgs).where({ id: 10 });
    expect(JSON.parse(row.feature_gate_override)).toEqual({ ai_voiceover: false, max_demos: 25 });

    for (const [text, err] of [
      ['orgId=10 ```[1,2]```', 'the JSON must be an object of feature → value'],
      ['orgId=10 ```{"a": {"nested": true}}```', 'feature a: values must be true/false, a number, a string or null'],
      ['orgId=10 ```{"bad key!": true}```', 'feature name "bad key!" is not allowed (letters, digits, _ . -)'],
    ]) {
      expect((await command('update-feature', { user_id: ADMIN, text: text as string })).json().text).toBe(`Not changed: ${err}.`);
    }
    expect(JSON.parse((await api.h.mysql(tables.orgs).where({ id: 10 }))[0].feature_gate_override)).toEqual({ ai_voiceover: false, max_demos: 25 });
    expect((await command('update-feature', { user_id: ADMIN, text: 'orgId=999' })).json().text).toBe('No org 999.');

    const denied = await command('update-feature', { user_id: 'U0STRANGER', text: 'orgId=10 ```{"ai_voiceover": true}```' });
    expect(denied.json().text).toBe('You are not allowed to run this command.');
    expect(JSON.parse((await api.h.mysql(tables.orgs).where({ id: 10 }))[0].feature_gate_override).ai_voiceover).toBe(false);
  });
});
