import type { AssistantMessage, LlmOperation, UserPayload } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import type { CallAttempt } from './anthropic/caller.ts';
import type { TokenUsage } from './pricing.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface NewRun {
  id: string;
  orgId: string | undefined;
  userSub: string;
  thread: string;
  entityId: string | undefined;
  type: LlmOperation;
  model: string;
  requestedModel: string | undefined;
  input: UserPayload;
  credits: number;
}

export interface Run {
  id: string;
  orgId: string | null;
  userSub: string;
  thread: string;
  entityId: string | null;
  type: LlmOperation;
  status: RunStatus;
  model: string;
  account: string | null;
  input: UserPayload;
  output: AssistantMessage | null;
  usage: TokenUsage;
  costUsd: number | null;
  credits: number;
  creditsDeducted: boolean;
  remoteRunId: string | null;
  attempts: number;
  durationMs: number | null;
  errorCode: string | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** One model call as stored in llm_run_attempts: the call's record, placed in its run. */
export interface AttemptRow extends Omit<CallAttempt, 'retryAfterMs'> {
  runId: string;
  jobAttempt: number;
  seq: number;
  kind: 'call' | 'correction';
}

const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);

/** LLM runs in MySQL (`llm_runs`, `llm_run_attempts`): one row per request, one per model call. */
export class LlmRunsRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  async create(run: NewRun): Promise<void> {
    await this.#knex('llm_runs').insert({
      id: run.id,
      org_id: run.orgId ?? null,
      user_sub: run.userSub,
      thread: run.thread,
      entity_id: run.entityId ?? null,
      type: run.type,
      status: 'queued',
      model: run.model,
      requested_model: run.requestedModel ?? null,
      input: JSON.stringify(run.input),
      credits: run.credits,
    });
  }

  async get(id: string): Promise<Run | undefined> {
    const r = await this.#knex('llm_runs').where({ id }).first();
    if (!r) return undefined;
    return {
      id: r.id,
      orgId: r.org_id,
      userSub: r.user_sub,
      thread: r.thread,
      entityId: r.entity_id,
      type: r.type,
      status: r.status,
      model: r.model,
      account: r.account,
      input: json(r.input) as UserPayload,
      output: (r.output === null ? null : json(r.output)) as AssistantMessage | null,
      usage: { input: r.input_tokens, output: r.output_tokens, cacheWrite: r.cache_creation_input_tokens, cacheRead: r.cache_read_input_tokens },
      costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
      credits: r.credits,
      creditsDeducted: Boolean(r.credits_deducted),
      remoteRunId: r.remote_run_id,
      attempts: r.attempts,
      durationMs: r.duration_ms,
      errorCode: r.error_code,
      error: r.error,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
    };
  }

  /** Running, unless it already finished (a redelivered job must not reopen a finished run). */
  async markRunning(id: string): Promise<void> {
    await this.#knex('llm_runs')
      .where({ id })
      .whereIn('status', ['queued', 'running'])
      .update({ status: 'running', started_at: this.#knex.raw('COALESCE(started_at, CURRENT_TIMESTAMP(3))') });
  }

  /** Back to queued: the job waits for the rate limit, with no attempt used. */
  async requeue(id: string): Promise<void> {
    await this.#knex('llm_runs').where({ id, status: 'running' }).update({ status: 'queued' });
  }

  async finish(
    id: string,
    outcome:
      | { status: 'succeeded'; account: string; output: AssistantMessage }
      | { status: 'failed'; account: string | undefined; errorCode: string; error: string },
    totals: { usage: TokenUsage; costUsd: number | undefined; attempts: number; durationMs: number },
  ): Promise<void> {
    await this.#knex('llm_runs')
      .where({ id })
      .update({
        status: outcome.status,
        account: outcome.account ?? null,
        output: outcome.status === 'succeeded' ? JSON.stringify(outcome.output) : null,
        error_code: outcome.status === 'failed' ? outcome.errorCode : null,
        error: outcome.status === 'failed' ? outcome.error.slice(0, 4000) : null,
        ...this.#totals(totals),
        duration_ms: totals.durationMs,
        finished_at: this.#knex.raw('CURRENT_TIMESTAMP(3)'),
      });
  }

  /** Usage of an attempt that did not finish the run (retried later) still counts. */
  async addUsage(id: string, totals: { usage: TokenUsage; costUsd: number | undefined; attempts: number }): Promise<void> {
    if (totals.attempts === 0) return;
    await this.#knex('llm_runs')
      .where({ id })
      .update(this.#totals(totals));
  }

  /** Column updates that add one attempt's usage, cost and call count to the run's totals. */
  #totals(t: { usage: TokenUsage; costUsd: number | undefined; attempts: number }): Record<string, Knex.Raw> {
    const add = (col: string, n: number) => this.#knex.raw('?? + ?', [col, n]);
    return {
      input_tokens: add('input_tokens', t.usage.input),
      output_tokens: add('output_tokens', t.usage.output),
      cache_creation_input_tokens: add('cache_creation_input_tokens', t.usage.cacheWrite),
      cache_read_input_tokens: add('cache_read_input_tokens', t.usage.cacheRead),
      attempts: add('attempts', t.attempts),
      ...(t.costUsd === undefined ? {} : { cost_usd: this.#knex.raw('COALESCE(cost_usd, 0) + ?', [t.costUsd]) }),
    };
  }

  async addAttempts(rows: readonly AttemptRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#knex('llm_run_attempts').insert(
      rows.map((a) => ({
        run_id: a.runId,
        job_attempt: a.jobAttempt,
        seq: a.seq,
        kind: a.kind,
        account: a.account,
        outcome: a.outcome,
        http_status: a.httpStatus ?? null,
        error_type: a.errorType ?? null,
        request_id: a.requestId ?? null,
        input_tokens: a.usage?.input ?? null,
        output_tokens: a.usage?.output ?? null,
        cache_creation_input_tokens: a.usage?.cacheWrite ?? null,
        cache_read_input_tokens: a.usage?.cacheRead ?? null,
        duration_ms: a.durationMs,
      })),
    );
  }

  async attempts(runId: string): Promise<AttemptRow[]> {
    const rows = await this.#knex('llm_run_attempts').where({ run_id: runId }).orderBy('id');
    return rows.map((r) => ({
      runId: r.run_id,
      jobAttempt: r.job_attempt,
      seq: r.seq,
      kind: r.kind,
      account: r.account,
      outcome: r.outcome,
      httpStatus: r.http_status ?? undefined,
      errorType: r.error_type ?? undefined,
      requestId: r.request_id ?? undefined,
      usage: r.input_tokens === null ? undefined : { input: r.input_tokens, output: r.output_tokens, cacheWrite: r.cache_creation_input_tokens, cacheRead: r.cache_read_input_tokens },
      durationMs: r.duration_ms,
    }));
  }

  async setRemoteRunId(id: string, remoteRunId: string): Promise<void> {
    await this.#knex('llm_runs').where({ id }).update({ remote_run_id: remoteRunId.slice(0, 128) });
  }

  /** Take the right to deduct a succeeded run's credits (true once per run, whoever asks). */
  async claimCredits(id: string): Promise<boolean> {
    const n = await this.#knex('llm_runs').where({ id, status: 'succeeded', credits_deducted: false }).andWhere('credits', '>', 0).update({ credits_deducted: true });
    return n === 1;
  }

  /** The deduction failed: let a later attempt take it again. */
  async releaseCredits(id: string): Promise<void> {
    await this.#knex('llm_runs').where({ id }).update({ credits_deducted: false });
  }
}
