import type { LlmOpsRequest } from '@fable-jobs/contracts';
import type { LlmRunsRepo, MainApiClient } from '@fable-jobs/llm';
import type { Logger } from '@fable-jobs/runtime';

/**
 * What happens around a run on the main API server, with the caller's own Authorization
 * header (as the old service did): the run is reported when it starts and updated when it
 * ends, and its credits are deducted only after it succeeded — once, whoever settles first
 * (the waiting request, or a status poll after an async request).
 */
export class LlmSettlement {
  readonly #runs: LlmRunsRepo;
  readonly #mainApi: MainApiClient | undefined;
  readonly #log: Logger;

  constructor(opts: { runs: LlmRunsRepo; mainApi: MainApiClient | undefined; log: Logger }) {
    this.#runs = opts.runs;
    this.#mainApi = opts.mainApi;
    this.#log = opts.log;
  }

  /** `POST /v1/f/llmrun`; best effort (a report failure never fails the user's request). */
  async report(runId: string, authorization: string, req: LlmOpsRequest, model: string): Promise<void> {
    if (!this.#mainApi) return;
    try {
      const remoteId = await this.#mainApi.reportRun(authorization, {
        runId,
        thread: req.thread,
        entityId: req.entityId === undefined ? undefined : String(req.entityId),
        type: req.type,
        model,
        v: req.v,
      });
      if (remoteId) await this.#runs.setRemoteRunId(runId, remoteId);
    } catch (err) {
      this.#log.warn({ runId, err: (err as Error).message }, 'could not report the llm run to the main API server');
    }
  }

  /** After the run finished: update the report and deduct credits (success only, once). */
  async settle(runId: string, authorization: string, opts: { update: boolean }): Promise<void> {
    if (!this.#mainApi) return;
    const run = await this.#runs.get(runId);
    if (!run || (run.status !== 'succeeded' && run.status !== 'failed')) return;
    if (opts.update && run.remoteRunId) {
      await this.#mainApi
        .updateRun(authorization, {
          id: run.remoteRunId,
          runId,
          status: run.status,
          output: run.output,
          errorCode: run.errorCode ?? undefined,
          usage: { inputTokens: run.usage.input, outputTokens: run.usage.output, cacheCreationInputTokens: run.usage.cacheWrite, cacheReadInputTokens: run.usage.cacheRead },
          costUsd: run.costUsd,
          durationMs: run.durationMs,
        })
        .catch((err: Error) => this.#log.warn({ runId, err: err.message }, 'could not update the llm run on the main API server'));
    }
    if (run.status !== 'succeeded' || !(await this.#runs.claimCredits(runId))) return;
    try {
      await this.#mainApi.deductCredits(authorization, run.credits);
    } catch (err) {
      await this.#runs.releaseCredits(runId);
      this.#log.error({ runId, credits: run.credits, err: (err as Error).message }, 'could not deduct AI credits; a later status poll will try again');
    }
  }
}
