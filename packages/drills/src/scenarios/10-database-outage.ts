// 10. MySQL and PostgreSQL outage mid-job: the fleet reaches both through TCP proxies that are
//     taken down for 8 s while system.effect jobs (MySQL) and analytics runs (PostgreSQL) run.
import { encodeMessage } from '@fable-jobs/contracts';
import { migrateWithRetry, postgresKnex } from '@fable-jobs/db';
import { startTcpProxy, testConfig } from '@fable-jobs/testing';
import { preload } from '../emulator.ts';
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function databaseOutage(count = faultCount(600), outageMs = 8000): Promise<Report & { scenario: string }> {
  const { config } = testConfig();
  await migrateWithRetry(config, { createDatabases: true });
  const my = await startTcpProxy({ host: config.mysql.address.host, port: config.mysql.address.port });
  const pg = await startTcpProxy({ host: config.postgres.address.host, port: config.postgres.address.port });
  const pgDirect = postgresKnex(config.postgres);
  try {
    return await scenario(
      '10 MySQL and PostgreSQL outage mid-job',
      10 * 60_000,
      async (fleet) => {
        await Promise.all([fleet.startBridge(), fleet.startWorker({}, ['system', 'analytics'])]);
        const since = new Date();
        const sending = fleet.send(0, count, { rate: 60, sleepMs: 200 });
        while ((await fleet.effectCount()) < count / 3) await new Promise((r) => setTimeout(r, 100));
        await Promise.all([my.down(), pg.down()]);
        // Analytics triggers arrive while PostgreSQL is away.
        await preload(fleet.emulator.sqs, fleet.queueUrl, [encodeMessage('TRIGGER_ANALYTICS_JOB', 'json', { job: 'REFRESH_DAILY_ENTITY_METRICS' })]);
        await new Promise((r) => setTimeout(r, outageMs));
        const before = (await fleet.effectCount());
        await Promise.all([my.restore(), pg.restore()]);
        const restored = Date.now();
        await sending;
        await fleet.waitForEffects(count, 5 * 60_000);
        await fleet.settle();
        await fleet.settle('analytics.refresh-daily-entity-metrics', 180_000);
        const runs = await pgDirect.raw("SELECT status, count(*)::int AS n FROM al.job_runs WHERE kind = 'REFRESH_DAILY_ENTITY_METRICS' AND started_at >= ? GROUP BY status", [since]);
        const byStatus = Object.fromEntries((runs.rows as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
        return fleet.report(count, {
          recoveryMs: Date.now() - restored,
          notes: `both databases down ${outageMs / 1000} s (${before} effects before); analytics runs since start: ${JSON.stringify(byStatus)}; recovery = databases back → all effects`,
        });
      },
      {
        env: {
          DB_CONN_URL: `127.0.0.1:${my.port}`,
          ANALYTICS_DB_CONN_URL: `127.0.0.1:${pg.port}`,
          ANALYTICS_DB_NAME: config.postgres.database,
          // The schedule's next run would sit in the queue as a delayed job: only SQS triggers here.
          ANALYTICS_REFRESH_DAILY_ENTITY_METRICS_CRON: 'off',
          // Retries 2 s apart instead of 10 s doubling: the drill stays short.
          JOB_OVERRIDES: JSON.stringify({ 'analytics.refresh-daily-entity-metrics': { backoffMs: 2000 } }),
        },
      },
    );
  } finally {
    await Promise.all([my.close(), pg.close(), pgDirect.destroy()]);
  }
}

