/**
 * Bull Board at /admin/queues driven in a real browser (Debian's chromium through
 * playwright-core) against the real app: a listening server, real Redis queues under this
 * test's own prefix and a real PoolRunner for the `system` pool.
 *
 * Screenshots of every step land in <repo>/test-results/dashboard/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { registry } from '@fable-jobs/contracts';
import { EffectsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet, enqueue, systemProcessors } from '@fable-jobs/queue';
import { Health, loadConfig } from '@fable-jobs/runtime';
import { createHarness, testEnv, waitForJob, type Harness } from '@fable-jobs/testing';
import { buildApp, hashPassword } from '../src/index.ts';
import { launchChromium } from './browser/chromium.ts';

const SHOTS = resolve(import.meta.dirname, '../../../test-results/dashboard');
const ADMIN = { username: 'ops', password: 'admin-password-1' };
const VIEWER = { username: 'support', password: 'viewer-password-1' };
const QUEUE = 'system.noop';
const REASON = 'SYSTEM_REQUESTED_FAILURE: retryable failure requested (attempt 1)';
/** How long the UI may take to show something (Bull Board polls every 5 s). */
const UI_TIMEOUT = 15_000;

let h: Harness;
let queues: QueueSet;
let app: FastifyInstance;
let runner: PoolRunner;
let base: string;
/** Awaited by each test, so a missing chromium fails every test with how to install it. */
let browserReady: Promise<Browser>;

beforeAll(async () => {
  browserReady = launchChromium();
  browserReady.catch(() => {}); // reported by the tests that await it
  h = await createHarness();
  const users = `${ADMIN.username}:admin:${await hashPassword(ADMIN.password)};${VIEWER.username}:viewer:${VIEWER.password}`;
  // One attempt: the first failure is final, so the job waits in `failed` for an operator.
  const { config } = loadConfig(testEnv({ BULLMQ_PREFIX: h.prefix, DASHBOARD_USERS: users, JOB_OVERRIDES: JSON.stringify({ [QUEUE]: { attempts: 1 } }) }));
  queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: config.worker.jobOverrides });
  app = await buildApp({ config, log: h.log, metrics: h.metrics, health: new Health(), queues });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  runner = new PoolRunner({ connection: h.worker, queues, log: h.log }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
  await runner.start();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  // Every step runs even when one fails, so the server, the workers and the test's Redis keys never outlive it.
  const steps: Array<() => Promise<unknown> | undefined> = [
    async () => (await browserReady?.catch(() => undefined))?.close(),
    () => runner?.stopIntake(),
    () => runner?.drain(AbortSignal.timeout(5_000)),
    () => app?.close(),
    () => queues?.close(),
    () => h?.close(),
  ];
  const errors: unknown[] = [];
  for (const step of steps) await Promise.resolve().then(step).catch((err: unknown) => errors.push(err));
  if (errors.length) throw new AggregateError(errors, 'dashboard browser test: cleanup failed');
});

/** A browser context of its own (no shared cookies or auth cache); only the app's origin is reachable. */
async function newContext(credentials?: { username: string; password: string }): Promise<BrowserContext> {
  const browser = await browserReady;
  const context = await browser.newContext({
    ...(credentials ? { httpCredentials: { ...credentials, origin: base } } : {}),
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(UI_TIMEOUT);
  // Bull Board's page links Google Fonts: keep the test hermetic (and fast) on a closed network.
  await context.route((url) => url.origin !== base, (route) => route.abort('blockedbyclient'));
  return context;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(SHOTS, name), fullPage: true, animations: 'disabled' });
}

/** A job of `system.noop` that failed for real (final: one attempt) and succeeds when retried. */
async function failedJob(jobId: string): Promise<void> {
  await enqueue(queues, { name: QUEUE, data: { fail: 'retryable', failTimes: 1 }, jobId });
  const job = await waitForJob(queues.get(QUEUE), jobId, 'failed', { connection: h.producer });
  expect(job.failedReason).toBe(REASON);
}

async function stateInRedis(jobId: string): Promise<string> {
  const job = await queues.get(QUEUE).getJob(jobId);
  return job ? await job.getState() : 'missing';
}

/** The link to a job in a queue's list: Bull Board names it by the id, plus the job name when the id is short. */
function jobLink(page: Page, jobId: string) {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByRole('main').getByRole('link', { name: new RegExp(`^#?${escape(jobId)}( ${escape(QUEUE)})?$`) });
}

/** From the overview, as a user clicks: the queue in the sidebar, its Failed tab, then the job. */
async function openFailedJob(page: Page, jobId: string, shotName?: string): Promise<void> {
  const overview = await page.goto(`${base}/admin/queues`);
  expect(overview?.status()).toBe(200);
  await page.getByRole('complementary').getByRole('link', { name: QUEUE, exact: true }).click();
  await page.waitForURL((url) => url.pathname === `/admin/queues/queue/${QUEUE}`); // the overview has a Failed filter too
  await page.getByRole('main').getByRole('link', { name: /^failed\b/i }).click();
  await page.waitForURL((url) => url.pathname === `/admin/queues/queue/${QUEUE}` && url.searchParams.get('status') === 'failed');
  const link = jobLink(page, jobId);
  await link.waitFor();
  if (shotName) await shot(page, shotName);
  await link.click();
  await page.waitForURL((url) => url.pathname === `/admin/queues/queue/${QUEUE}/${jobId}`);
}

/** The failed job's page shows the failure: the Error tab (selected) holds the reason and the stack. */
async function expectFailureShown(page: Page): Promise<void> {
  await expect.poll(() => page.getByRole('tab', { name: 'Error' }).getAttribute('aria-selected'), { timeout: UI_TIMEOUT }).toBe('true');
  const error = page.getByRole('tabpanel', { name: 'Error' });
  await error.getByText(REASON).waitFor();
  const text = await error.textContent();
  expect(text).toContain(REASON);
  expect(text).toMatch(/at system\.noop/); // the stack trace, not only the message
  await page.getByText('Failed at', { exact: true }).waitFor();
}

/**
 * Click the job action whose label is `label`. Bull Board's job actions are icon buttons
 * labelled by a tooltip: hover, check the tooltip the user reads, then click.
 */
async function clickJobAction(page: Page, icon: string, label: string): Promise<void> {
  const button = page.getByRole('main').locator(`li button:has(svg.lucide-${icon})`);
  await button.hover();
  await page.getByText(label, { exact: true }).waitFor();
  await button.click();
}

/** Confirm Bull Board's "Are you sure?" dialog and return the API's answer to the retry. */
async function confirmRetry(page: Page, jobId: string, shotName: string): Promise<Response> {
  const dialog = page.getByRole('alertdialog', { name: 'Are you sure?' });
  await dialog.getByText('Are you sure that you want to retry this job?').waitFor();
  await shot(page, shotName);
  const answer = page.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === `/admin/queues/api/queues/${QUEUE}/${jobId}/retry`);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  const res = await answer;
  await dialog.waitFor({ state: 'hidden' });
  return res;
}

describe('Bull Board in a browser', () => {
  it('an admin sees every queue of the catalogue, opens a failed job and retries it to completion', async () => {
    const context = await newContext(ADMIN);
    try {
      const page = await context.newPage();

      // 1. Every queue of the catalogue is listed, in the sidebar and on the overview.
      const res = await page.goto(`${base}/admin/queues`);
      expect(res?.status()).toBe(200);
      const catalogue = registry
        .jobs()
        .map((j) => j.name)
        .sort();
      const sidebar = page.getByRole('complementary').getByRole('navigation').getByRole('link');
      const cards = page.getByRole('main').locator('a[href*="/admin/queues/queue/"]');
      await expect.poll(async () => (await sidebar.allTextContents()).map((s) => s.trim()).sort(), { timeout: UI_TIMEOUT }).toEqual(catalogue);
      await expect.poll(async () => (await cards.allTextContents()).map((s) => s.trim()).sort(), { timeout: UI_TIMEOUT }).toEqual(catalogue);
      await shot(page, '01-admin-queues.png');

      // 2. A job that failed for real: its failure and stack trace are shown; Retry makes it complete.
      const jobId = 'browser-admin-1';
      await failedJob(jobId);
      await openFailedJob(page, jobId, '02-admin-failed-tab.png');
      await expectFailureShown(page);
      await shot(page, '03-admin-failed-job-error.png');
      await page.getByRole('tab', { name: 'Logs' }).click();
      await page.getByRole('tabpanel', { name: 'Logs' }).waitFor();
      await shot(page, '04-admin-failed-job-logs.png');

      await clickJobAction(page, 'refresh-cw', 'Retry');
      const retry = await confirmRetry(page, jobId, '05-admin-retry-confirm.png');
      expect(retry.status()).toBeLessThan(300);
      const done = await waitForJob(queues.get(QUEUE), jobId, 'completed', { connection: h.producer });
      expect(await done.getState()).toBe('completed');
      expect(done.returnvalue).toEqual({ ok: true });

      // The queue now lists the job under Completed; its page shows the second run finished with its result.
      await page.getByRole('main').getByRole('link', { name: QUEUE, exact: true }).click();
      await page.waitForURL((url) => url.pathname === `/admin/queues/queue/${QUEUE}`);
      await page.getByRole('main').getByRole('link', { name: /^completed\b/i }).click();
      await page.waitForURL((url) => url.searchParams.get('status') === 'completed');
      await jobLink(page, jobId).waitFor();
      await page.getByRole('main').getByRole('link', { name: /^failed$/i }).waitFor(); // no failed count left
      await shot(page, '06-admin-completed-tab.png');
      await jobLink(page, jobId).click();
      await page.getByText('Finished at', { exact: true }).waitFor();
      await page.getByText('attempt #2', { exact: true }).waitFor();
      const data = page.getByRole('tabpanel', { name: 'Data' });
      await data.getByText('returnValue').waitFor();
      expect(await data.textContent()).toMatch(/returnValue:\{\s*ok:true/);
      await shot(page, '07-admin-job-completed.png');
      expect(await stateInRedis(jobId)).toBe('completed');
    } finally {
      await context.close();
    }
  });

  it('a viewer can open a failed job, but its retry is refused and the job stays failed', async () => {
    const context = await newContext(VIEWER);
    try {
      const page = await context.newPage();
      const jobId = 'browser-viewer-1';
      await failedJob(jobId);
      await openFailedJob(page, jobId);
      await expectFailureShown(page);
      await shot(page, '08-viewer-failed-job.png');

      await clickJobAction(page, 'refresh-cw', 'Retry');
      const retry = await confirmRetry(page, jobId, '09-viewer-retry-confirm.png');
      expect(retry.status()).toBe(403);
      expect(await retry.json()).toMatchObject({ status: 'Failure', data: { errCode: 'ADMIN_FORBIDDEN' } });
      expect(await stateInRedis(jobId)).toBe('failed');
      // Bull Board toasts the refusal (its client shows a body's `error` and `message`).
      await page.getByText('read-only user: this action needs the admin role').first().waitFor({ timeout: 10_000 });
      await shot(page, '10a-viewer-retry-refused-toast.png');

      // The UI still shows the job failed, also after a reload (fresh data from the server).
      await expectFailureShown(page);
      await page.reload();
      await expectFailureShown(page);
      await shot(page, '10-viewer-retry-refused.png');
      expect(await stateInRedis(jobId)).toBe('failed');
    } finally {
      await context.close();
    }
  });

  it('without credentials the browser gets 401 and no dashboard; a wrong password gets 401 too', async () => {
    const anonymous = await newContext();
    try {
      const page = await anonymous.newPage();
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/queues');
      // Headless chromium cannot prompt for the password: it gives up on the challenge.
      const navigation = await page.goto(`${base}/admin/queues`).then(
        () => 'loaded',
        (err: Error) => err.message,
      );
      const res = await answer;
      expect(res.status()).toBe(401);
      expect(res.headers()['www-authenticate']).toMatch(/^Basic realm=/);
      expect(navigation).toMatch(/net::ERR_INVALID_AUTH_CREDENTIALS/);
      expect(await page.getByRole('complementary').count()).toBe(0);
      await shot(page, '11-no-credentials-401-blank.png');
    } finally {
      await anonymous.close();
    }
    const wrong = await newContext({ username: ADMIN.username, password: 'not-the-password' });
    try {
      const page = await wrong.newPage();
      const res = await page.goto(`${base}/admin/queues`);
      expect(res?.status()).toBe(401);
      await page.getByText('ADMIN_UNAUTHENTICATED').waitFor();
      expect(await page.getByRole('complementary').count()).toBe(0);
      await shot(page, '12-wrong-password-401.png');
    } finally {
      await wrong.close();
    }
  });
});
