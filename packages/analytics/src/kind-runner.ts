import { PermanentError, type AnalyticsKind, type JobContext, type Logger } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import { toDbFailure, type DbFailure } from './db-errors.ts';
import { isAnalyticsKind, KINDS } from './kinds.ts';
import { PgSession, type Rows } from './pg-session.ts';
import { runRecords, type RunIdentity } from './run-records.ts';
import type { AnalyticsSettings } from './settings.ts';

/** First key of the two-key advisory locks of analytics runs ("AL"); the second is hashtext(kind). */
const LOCK_CLASS = 0x414c;
const CLIENT_CHECK_MS = 2000;

export interface AnalyticsPayload {
  kind: string;
  trigger?: 'sqs' | 'schedule' | 'operator' | undefined;
}

export type RunOutcome =
  | { status: 'succeeded'; kind: AnalyticsKind; runId: number; lowWatermark: string; highWatermark: string; summary: Record<string, number> }
  | { status: 'coalesced'; kind: AnalyticsKind; runId: number; coalescedInto: number | null };

/**
 * Runs analytics kinds: one run per kind at a time (a PostgreSQL advisory lock, so replicas and
 * scheduler-made jobs are covered too; a run that finds the lock taken is coalesced into the
 * running one), each run's statements in one transaction under the kind's statement_timeout,
 * with its window and outcome recorded in `al.job_runs`.
 */
export class KindRunner {
  readonly #knex: Knex;
  readonly #settings: AnalyticsSettings;

  constructor(opts: { knex: Knex; settings: AnalyticsSettings }) {
    this.#knex = opts.knex;
    this.#settings = opts.settings;
  }

  async run(expected: AnalyticsKind, data: AnalyticsPayload, ctx: JobContext): Promise<RunOutcome> {
    const identity: RunIdentity = { kind: data.kind, jobKey: ctx.jobId, trigger: data.trigger ?? ctx.meta.source, attempt: ctx.attempt, maxAttempts: ctx.maxAttempts };
    const kind = await this.#checkKind(expected, identity, ctx.log);
    const { statementTimeoutMs } = this.#settings.kinds[kind];
    const spec = KINDS[kind];
    let step = 'connect';
    const fail = (err: unknown): DbFailure => toDbFailure(err, { kind, step, statementTimeoutMs, abortReason: ctx.signal.aborted ? ctx.signal.reason : undefined });
    const checkAborted = () => {
      if (ctx.signal.aborted) throw Object.assign(new Error('aborted'), { code: '57014' });
    };

    let session: PgSession;
    try {
      checkAborted();
      session = await PgSession.open(this.#knex);
    } catch (err) {
      throw fail(err).error;
    }
    const q = (sql: string, bindings?: readonly unknown[]) => session.query(sql, bindings);
    // Abort (job timeout, cancel, shutdown): cancel the running statement from another connection.
    const onAbort = () => {
      const pid = session.pid;
      if (pid !== undefined) void this.#knex.raw('SELECT pg_cancel_backend(?)', [pid]).catch((e: Error) => ctx.log.warn({ err: e.message }, 'could not cancel the running statement'));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let locked = false;
    try {
      step = 'prepare the session';
      // Windows range from an hour to all history: plan each function statement for its actual window, never from
      // the pooled connection's cached generic plan; and (PostgreSQL >= 14) end a run whose client died
      // (e.g. a crashed worker) even mid-statement, which frees its lock.
      await q(
        `SELECT set_config('plan_cache_mode', 'force_custom_plan', false),
                CASE WHEN current_setting('server_version_num')::int >= 140000 THEN set_config('client_connection_check_interval', ?, false) END`,
        [String(CLIENT_CHECK_MS)],
      );
      step = 'take the run lock';
      const [lock] = await q('SELECT pg_try_advisory_lock(?, hashtext(?)) AS ok', [LOCK_CLASS, kind]);
      locked = lock?.['ok'] === true;
      if (!locked) {
        step = 'record the coalesced run';
        const c = await runRecords.coalesced(q, { ...identity, kind });
        ctx.log.info({ kind, coalescedInto: c.into }, 'another run of this kind is in progress: coalesced into it');
        return { status: 'coalesced', kind, runId: c.id, coalescedInto: c.into };
      }

      step = 'record the run';
      const abandoned = await runRecords.abandonStale(q, kind);
      if (abandoned > 0) ctx.log.warn({ kind, abandoned }, 'earlier runs of this kind were left running by a process that stopped');
      const started = await runRecords.start(q, { ...identity, kind }, this.#settings.watermarkStart);
      const window = { lo: started.lo, hi: started.hi };

      const stepFn = async (name: string, sql: string, bindings?: readonly unknown[]): Promise<Rows> => {
        step = name;
        checkAborted();
        return q(sql, bindings);
      };
      try {
        step = 'begin';
        checkAborted();
        await q('BEGIN');
        await q("SELECT set_config('statement_timeout', ?, true)", [String(statementTimeoutMs)]);
        const summary = await spec.run(stepFn, window);
        step = 'record success';
        await runRecords.succeeded(q, started.id, summary);
        step = 'commit';
        await q('COMMIT');
        ctx.log.info({ kind, runId: started.id, lo: window.lo.toISOString(), hi: window.hi.toISOString(), ...summary }, 'analytics run succeeded');
        return { status: 'succeeded', kind, runId: started.id, lowWatermark: window.lo.toISOString(), highWatermark: window.hi.toISOString(), summary };
      } catch (err) {
        const failure = fail(err);
        await q('ROLLBACK').catch(() => {});
        await this.#recordFailure(q, started.id, failure, ctx);
        throw failure.error;
      }
    } catch (err) {
      // Failures of the run itself are mapped (and recorded) above; map those of the bookkeeping before it.
      throw (err as Error)?.name === 'RetryableError' ? err : fail(err).error;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      if (locked) await q('SELECT pg_advisory_unlock(?, hashtext(?))', [LOCK_CLASS, kind]).catch(() => {});
      await session.release().catch(() => {});
    }
  }

  async #checkKind(expected: AnalyticsKind, identity: RunIdentity, log: Logger): Promise<AnalyticsKind> {
    const given = identity.kind;
    let error: PermanentError | undefined;
    if (!isAnalyticsKind(given)) {
      error = new PermanentError(`unknown analytics kind ${JSON.stringify(given.slice(0, 64))} (known: ${Object.keys(KINDS).join(', ')})`, { code: 'ANALYTICS_UNKNOWN_KIND' });
    } else if (given !== expected) {
      error = new PermanentError(`analytics kind ${given} runs as job ${KINDS[given].job}, not as ${KINDS[expected].job}`, { code: 'ANALYTICS_KIND_MISMATCH' });
    }
    if (!error) return expected;
    await runRecords
      .rejected((sql, b) => this.#pool(sql, b), identity, { code: error.code, reason: error.message, stack: error.stack })
      .catch((e: Error) => log.warn({ err: e.message }, 'could not record the rejected run'));
    throw error;
  }

  /** Failure record on the run's own connection, else (connection broken) on a fresh one. */
  async #recordFailure(q: (sql: string, b?: readonly unknown[]) => Promise<Rows>, id: number, failure: DbFailure, ctx: JobContext): Promise<void> {
    const f = { code: failure.code, reason: failure.error.message, stack: failure.stack, willRetry: ctx.attempt < ctx.maxAttempts };
    try {
      await runRecords.failed(q, id, f);
    } catch {
      await runRecords.failed((sql, b) => this.#pool(sql, b), id, f).catch((e: Error) => ctx.log.warn({ err: e.message, runId: id }, 'could not record the failed run'));
    }
  }

  async #pool(sql: string, bindings: readonly unknown[] = []): Promise<Rows> {
    const result = (await this.#knex.raw(sql, bindings as Knex.RawBinding[])) as { rows: Rows };
    return result.rows;
  }
}
