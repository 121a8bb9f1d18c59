import { randomBytes } from 'node:crypto';
import { POOLS } from '@fable-jobs/contracts';
import { createSqsClient, ensureQueues, type DashboardUser } from '@fable-jobs/runtime';
import type { Context } from '../context.ts';
import { startApi } from './api.ts';
import { startBridge } from './bridge.ts';
import { migrate } from './migrate.ts';
import { startPools } from './worker.ts';

/** The banner shows only a password `start` generated: a configured one would land in the log stream (stdout). */
export function dashboardCredentials(users: readonly DashboardUser[], generated: string | undefined): string {
  const admin = users.find((u) => u.role === 'admin');
  return admin && generated !== undefined && admin.password === generated ? `  (user ${admin.name}, password ${generated})` : '';
}

/**
 * Everything in one process for development: an embedded SQS + S3 emulator when no AWS endpoint
 * is configured, the queues, migrations, the bridge, every worker pool and the API.
 */
export async function startAll(ctx: Context): Promise<void> {
  const { config, log } = ctx;
  let emulator: string | undefined;
  if (!config.aws.endpoint && !config.sqs.endpoint) {
    const { startFauxqs } = await import('fauxqs');
    const server = await startFauxqs({ port: config.sqs.emulatorPort, host: 'localhost', logger: false });
    emulator = `http://127.0.0.1:${server.port}`;
    config.aws.endpoint = emulator;
    ctx.lifecycle.on('close', 'sqs/s3 emulator', () => server.stop());
    server.createBucket(config.s3.assetBucket);
    // Long polls cost nothing on a local emulator, and Ctrl-C waits for the outstanding one: keep
    // them short unless BRIDGE_WAIT_SECONDS says otherwise.
    if (!ctx.given.has('BRIDGE_WAIT_SECONDS')) config.bridge.waitTimeSeconds = Math.min(config.bridge.waitTimeSeconds, 2);
    log.info({ endpoint: emulator, longPollSeconds: config.bridge.waitTimeSeconds }, 'embedded SQS + S3 emulator (fauxqs) started');
  }
  let generated: string | undefined;
  if (config.app.env === 'dev' && config.api.dashboardUsers.length === 0) {
    generated = randomBytes(9).toString('base64url');
    config.api.dashboardUsers = [{ name: 'admin', role: 'admin', password: generated }];
  }
  await migrate(config, log);
  const sqs = createSqsClient(config);
  const urls = await ensureQueues(sqs, config);
  sqs.destroy();
  await startPools(ctx, POOLS);
  await startBridge(ctx, urls);
  const app = await startApi(ctx, urls);

  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.api.port}`;
  const lines = [
    '',
    'Fable Jobs is running (bridge, every worker pool, API) — Ctrl-C stops it gracefully.',
    '',
    `  SQS queue        ${urls.queueUrl}`,
    `  dead letters     ${urls.dlqUrl}`,
    `  API              ${api}  (GET /health, /ready, /metrics)`,
    `  dashboard        ${api}/admin/queues${dashboardCredentials(config.api.dashboardUsers, generated)}`,
    '',
    '  send a test message from another terminal:',
    `    npm run fable-jobs -- send NF --attr eventName=EBOOK_DOWNLOAD --attr payload_email=ada@example.com${emulator ? ` --endpoint ${emulator}` : ''}`,
    `    npm run fable-jobs -- send TRIGGER_ANALYTICS_JOB --format json --data '{"job":"REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW"}'${emulator ? ` --endpoint ${emulator}` : ''}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
