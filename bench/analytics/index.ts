// `node bench/analytics/run.ts`: each analytics kind as a job (enqueue → worker → completed)
// against the same SQL run bare by psql, on a generated data set of over a million activity rows.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { ANALYTICS_KINDS, type AnalyticsKind } from '@fable-jobs/contracts';
import { createAnalytics } from '@fable-jobs/analytics';
import { ensurePostgresDatabase, migrateLatest, mysqlKnex, POSTGRES_MIGRATIONS, postgresKnex } from '@fable-jobs/db';
import { enqueue, PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createLogger, createRedis, loadConfig, Metrics, type Config } from '@fable-jobs/runtime';
import { fmt, table } from '../lib/common.ts';
import { ensureBenchData, restoreDuplicates } from './seed.ts';

const WATERMARK_START = '2000-01-01T00:00:00Z';

/** The bare SQL of each kind, as an operator would run it in psql (same window as the job: start → now). */
const BARE_SQL: Record<AnalyticsKind, string[]> = {
  REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW: ['REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics'],
  REFRESH_DAILY_ENTITY_METRICS: ['REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics_daily'],
  CALCULATE_ENTITY_SUB_ENTITY_METRICS: ['REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_subentity_distribution'],
  UPDATE_HOUSE_LEAD: [`SELECT al.update_house_lead('${WATERMARK_START}', now())`, `SELECT al.update_house_lead_metrics('${WATERMARK_START}', now())`],
  CALCULATE_HOUSE_LEAD_METRICS: [`SELECT al.update_house_lead_metrics('${WATERMARK_START}', now())`],
  ACTIVITY_DT_DATA_TRUNCATE: [`SELECT al.remove_duplicates_activity_dt('${WATERMARK_START}', now())`],
};

export interface AnalyticsBenchOptions {
  iterations?: number;
  database?: string;
  kinds?: AnalyticsKind[];
  log?: (line: string) => void;
}

function psql(cfg: Config['postgres'], database: string, statements: string[]): Promise<number> {
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', cfg.address.host, '-p', String(cfg.address.port), '-U', cfg.user, '-d', database, '-1', ...statements.flatMap((s) => ['-c', s])];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('psql', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGPASSWORD: cfg.password } });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += String(b)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`psql exited ${code}: ${err.trim()}`))));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

export async function analytics(opts: AnalyticsBenchOptions = {}): Promise<string> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const iterations = opts.iterations ?? 3;
  const database = opts.database ?? 'fable_analytics_bench';
  const kinds = opts.kinds ?? (Object.keys(ANALYTICS_KINDS) as AnalyticsKind[]);
  const prefix = `bench-al-${randomBytes(3).toString('hex')}`;
  const { config } = loadConfig({ ...process.env, ANALYTICS_DB_NAME: database, BULLMQ_PREFIX: prefix, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn', ANALYTICS_WATERMARK_START: WATERMARK_START });

  await ensurePostgresDatabase(config.postgres);
  const pg = postgresKnex(config.postgres, { applicationName: 'fable-bench' });
  const mysql = mysqlKnex(config.mysql);
  const producer = createRedis(config.redis.url, 'producer');
  const worker = createRedis(config.redis.url, 'worker');
  const queues = new QueueSet({ connection: producer, prefix });
  const logger = createLogger({ level: config.app.logLevel, name: 'bench' });
  const pool = createAnalytics({ config, log: logger, mysql, postgres: pg, metrics: new Metrics({ defaultMetrics: false }) });
  const runner = new PoolRunner({ connection: worker, queues, log: logger }).add('analytics', pool.processors);
  const events = new Map<string, QueueEvents>();
  try {
    await migrateLatest(pg, POSTGRES_MIGRATIONS);
    const data = await ensureBenchData(pg, log);
    log(`data set: ${fmt(data.activityRows)} activity rows (${fmt(data.duplicateRows)} duplicates), ${fmt(data.sessions)} sessions, ${fmt(data.leads)} lead captures${data.seededNow ? '' : ' (cached)'}`);
    await runner.start();
    for (const kind of kinds) {
      const ev = new QueueEvents(ANALYTICS_KINDS[kind], { connection: worker.duplicate(), prefix });
      await ev.waitUntilReady();
      events.set(kind, ev);
    }

    let seq = 0;
    const runJob = async (kind: AnalyticsKind): Promise<number> => {
      const ev = events.get(kind);
      if (!ev) throw new Error(`no events for ${kind}`);
      const jobId = `bench-${seq++}`;
      const done = new Promise<void>((resolve, reject) => {
        const onDone = ({ jobId: id }: { jobId: string }) => id === jobId && (cleanup(), resolve());
        const onFail = ({ jobId: id, failedReason }: { jobId: string; failedReason: string }) => id === jobId && (cleanup(), reject(new Error(`${kind}: ${failedReason}`)));
        const cleanup = () => (ev.off('completed', onDone), ev.off('failed', onFail));
        ev.on('completed', onDone);
        ev.on('failed', onFail);
      });
      const t0 = process.hrtime.bigint();
      await enqueue(queues, { name: ANALYTICS_KINDS[kind], data: { kind, trigger: 'operator' }, jobId, meta: { source: 'operator' } });
      await done;
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    // Same starting state for both sides: the window from the start (no earlier run), duplicates in place.
    const prepare = async (kind: AnalyticsKind) => {
      await pg.raw('DELETE FROM al.job_runs WHERE kind = ?', [kind]);
      if (kind === 'ACTIVITY_DT_DATA_TRUNCATE') await restoreDuplicates(pg);
    };

    const rows: Array<Record<string, string>> = [];
    for (const kind of kinds) {
      log(`${kind}: warm-up`);
      await prepare(kind);
      await runJob(kind);
      await psql(config.postgres, database, BARE_SQL[kind]);
      const bare: number[] = [];
      const job: number[] = [];
      for (let i = 0; i < iterations; i++) {
        // Alternate which side goes first, so caches and autovacuum favour neither.
        for (const side of i % 2 === 0 ? (['psql', 'job'] as const) : (['job', 'psql'] as const)) {
          await prepare(kind);
          if (side === 'psql') bare.push(await psql(config.postgres, database, BARE_SQL[kind]));
          else job.push(await runJob(kind));
        }
        const ratio = (job[i] ?? NaN) / (bare[i] ?? NaN);
        log(`${kind}: pair ${i + 1}/${iterations}: psql ${fmt(bare[i] ?? NaN, 1)} ms, job ${fmt(job[i] ?? NaN, 1)} ms, ratio ${ratio.toFixed(3)}`);
        rows.push({ kind: i === 0 ? kind : '', pair: String(i + 1), 'psql ms': fmt(bare[i] ?? NaN, 1), 'job ms': fmt(job[i] ?? NaN, 1), 'job / psql': ratio.toFixed(3) });
      }
      const ratio = median(job) / median(bare);
      log(`${kind}: median psql ${fmt(median(bare), 1)} ms, job ${fmt(median(job), 1)} ms, ratio ${ratio.toFixed(3)} (target <= 1.050)`);
      rows.push({ kind: '', pair: 'median', 'psql ms': fmt(median(bare), 1), 'job ms': fmt(median(job), 1), 'job / psql': `**${ratio.toFixed(3)}**` });
    }
    return [
      `Data set: ${fmt(data.activityRows)} activity rows (${fmt(data.duplicateRows)} duplicates restored before each ACTIVITY_DT_DATA_TRUNCATE run), ${fmt(data.sessions)} sessions, ${fmt(data.leads)} lead captures, database ${database}.`,
      `job = enqueue → analytics worker (lock, run record, transaction, statement_timeout) → completed event; psql = the bare statements in one psql -1 process. Target: job / psql <= 1.05.`,
      '',
      table(rows),
    ].join('\n');
  } finally {
    await Promise.all([...events.values()].map((e) => e.close()));
    await runner.forceClose().catch(() => {});
    await deletePrefix(producer, prefix);
    await queues.close();
    await pool.close();
    producer.disconnect();
    worker.disconnect();
    await Promise.all([pg.destroy(), mysql.destroy()]);
  }
}

async function deletePrefix(redis: ReturnType<typeof createRedis>, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
