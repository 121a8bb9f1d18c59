import type { Rows } from './pg-session.ts';

type Query = (sql: string, bindings?: readonly unknown[]) => Promise<Rows>;

export interface RunIdentity {
  kind: string;
  jobKey: string;
  trigger: string;
  attempt: number;
  maxAttempts: number;
}

export interface StartedRun {
  id: number;
  lo: Date;
  hi: Date;
}

export interface RunFailure {
  code: string;
  reason: string;
  stack: string | undefined;
  willRetry: boolean;
}

const MAX_TEXT = 8000;
const clip = (s: string | undefined) => (s === undefined ? null : s.slice(0, MAX_TEXT));

/** `al.job_runs`: one row per run (attempt); the source of each kind's next low watermark. */
export const runRecords = {
  /**
   * Record a run as started and fix its window: lo = the highest high watermark of the kind's
   * succeeded runs (else `start`), hi = now (UTC, millisecond precision like a JS Date).
   */
  async start(q: Query, run: RunIdentity, start: Date): Promise<StartedRun> {
    const [row] = await q(
      `INSERT INTO al.job_runs (kind, job_key, trigger, attempt, max_attempts, status, low_watermark, high_watermark)
       VALUES (?, ?, ?, ?, ?, 'running',
               coalesce((SELECT max(high_watermark) FROM al.job_runs WHERE kind = ? AND status = 'succeeded'), ?::timestamptz),
               date_trunc('milliseconds', clock_timestamp()))
       RETURNING id, low_watermark, high_watermark`,
      [run.kind, run.jobKey, run.trigger, run.attempt, run.maxAttempts, run.kind, start],
    );
    if (!row) throw new Error('al.job_runs: INSERT returned no row');
    return { id: Number(row['id']), lo: row['low_watermark'] as Date, hi: row['high_watermark'] as Date };
  },

  async succeeded(q: Query, id: number, summary: Record<string, number>): Promise<void> {
    await q(`UPDATE al.job_runs SET status = 'succeeded', finished_at = clock_timestamp(), duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int, result = ?::jsonb WHERE id = ?`, [JSON.stringify(summary), id]);
  },

  async failed(q: Query, id: number, f: RunFailure): Promise<void> {
    await q(
      `UPDATE al.job_runs SET status = 'failed', finished_at = clock_timestamp(), duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int,
              error_code = ?, failure_reason = ?, failure_stack = ?, will_retry = ?
        WHERE id = ?`,
      [f.code, clip(f.reason), clip(f.stack), f.willRetry, id],
    );
  },

  /** A run that did not start: another run of the kind holds the lock (its id, when known, in the result). */
  async coalesced(q: Query, run: RunIdentity): Promise<{ id: number; into: number | null }> {
    const [row] = await q(
      `INSERT INTO al.job_runs (kind, job_key, trigger, attempt, max_attempts, status, finished_at, duration_ms, result)
       SELECT ?, ?, ?, ?, ?, 'coalesced', clock_timestamp(), 0, jsonb_build_object('coalescedInto', r.id)
         FROM (SELECT max(id) AS id FROM al.job_runs WHERE kind = ? AND status = 'running') r
       RETURNING id, (result ->> 'coalescedInto')::bigint AS coalesced_into`,
      [run.kind, run.jobKey, run.trigger, run.attempt, run.maxAttempts, run.kind],
    );
    return { id: Number(row?.['id']), into: row?.['coalesced_into'] == null ? null : Number(row['coalesced_into']) };
  },

  /** A job refused before it ran (unknown kind): recorded so operators see it next to the runs. */
  async rejected(q: Query, run: RunIdentity, f: Omit<RunFailure, 'willRetry'>): Promise<void> {
    await q(
      `INSERT INTO al.job_runs (kind, job_key, trigger, attempt, max_attempts, status, finished_at, duration_ms, error_code, failure_reason, failure_stack, will_retry)
       VALUES (?, ?, ?, ?, ?, 'failed', clock_timestamp(), 0, ?, ?, ?, false)`,
      [clip(run.kind), run.jobKey, run.trigger, run.attempt, run.maxAttempts, f.code, clip(f.reason), clip(f.stack)],
    );
  },

  /** Runs of the kind still marked running while we hold its lock belong to a process that died. */
  async abandonStale(q: Query, kind: string): Promise<number> {
    const rows = await q(
      `UPDATE al.job_runs SET status = 'failed', finished_at = clock_timestamp(), duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int, error_code = 'ANALYTICS_RUN_ABANDONED',
              failure_reason = 'the process running it stopped before it finished (crash, kill or lost connection); a later run of the kind took over',
              will_retry = false
        WHERE kind = ? AND status = 'running'
       RETURNING id`,
      [kind],
    );
    return rows.length;
  },
};
