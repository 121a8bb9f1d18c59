import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiFailure, isLlmOperation, LLM_OPERATIONS, LlmJobStatus, LlmOpsRequest, LlmOpsResponse, LLMOPS_UNKNOWN_TYPE, type AssistantMessage } from '@fable-jobs/contracts';
import { creditsFor, type LlmRunResult, type LlmRunsRepo, type Run } from '@fable-jobs/llm';
import { enqueue, type QueueSet } from '@fable-jobs/queue';
import type { Config } from '@fable-jobs/runtime';
import { countAnnotationsSafe, failure } from '../envelope.ts';
import type { BackgroundTasks } from '../background.ts';
import type { JobWaiter } from '../llm/job-waiter.ts';
import type { LlmSettlement } from '../llm/settle.ts';

export interface LlmopsOptions {
  config: Config;
  queues: QueueSet;
  runs: LlmRunsRepo;
  waiter: JobWaiter;
  settlement: LlmSettlement;
  background: BackgroundTasks;
}

/** A failed job's `CODE: message` → status and a message safe to show (5xx never echo upstream text). */
export function jobFailure(reason: string): { status: number; err: string; code: string } {
  const m = /^([A-Z][A-Z0-9_]{2,63}): ?([\s\S]*)$/.exec(reason);
  const code = m?.[1] ?? 'JOB_FAILED';
  const message = (m?.[2] ?? reason).slice(0, 500);
  switch (code) {
    case 'LLM_BAD_INPUT':
    case 'JOB_INVALID_DATA':
      return { status: 400, err: message, code };
    case 'LLM_TOOL_INPUT_INVALID':
      return { status: 502, err: 'the model answered in an unexpected format, even after a corrective retry', code };
    case 'LLM_UPSTREAM_UNAVAILABLE':
    case 'LLM_UPSTREAM_RATE_LIMITED':
      return { status: 503, err: 'the model provider is unavailable; try again later', code };
    case 'LLM_ACCOUNTS_REFUSED':
    case 'LLM_NO_ACCOUNTS':
    case 'LLM_UPSTREAM_REJECTED':
      return { status: 502, err: 'the model provider refused the request', code };
    case 'JOB_TIMEOUT':
      return { status: 504, err: 'the model took too long to answer', code };
    default:
      return { status: 500, err: 'internal error', code: 'INTERNAL' };
  }
}

function stateOf(run: Run): 'queued' | 'running' | 'succeeded' | 'failed' {
  return run.status;
}

/**
 * `POST /v1/f/llmops`: validate, record the run, enqueue `llm.run` (one queue: one global
 * rate limit) and wait for its result — or, with `Prefer: respond-async`, answer 202 at once
 * and let `GET /v1/f/llmops/jobs/:id` report it. Credits are settled after success only.
 */
export async function llmopsRoutes(app: FastifyInstance, opts: LlmopsOptions): Promise<void> {
  const { config, queues, runs, waiter, settlement, background } = opts;
  // An async request is settled in the background once its run ends; give queued runs time.
  const asyncSettleMs = config.llm.routeWaitMs * 10;

  const settleLater = (runId: string, authorization: string, waitMs: number) =>
    background.run('llmops settle', async () => {
      const outcome = await waiter.wait(runId, waitMs);
      if (outcome.state !== 'timeout') await settlement.settle(runId, authorization, { update: true });
    });

  app.post(
    '/llmops',
    {
      schema: {
        description: 'Run one LLM operation (the model must call the operation tool). `Prefer: respond-async` answers 202 with a job id.',
        body: LlmOpsRequest,
        response: { 200: LlmOpsResponse, 202: LlmJobStatus, '4xx': ApiFailure, '5xx': ApiFailure },
      },
    },
    async (req, reply) => {
      const body = req.body as LlmOpsRequest;
      const principal = req.principal;
      if (!principal) return reply.code(401).send(failure('unauthorized', 'UNAUTHORIZED'));
      if (!isLlmOperation(body.type)) return reply.code(404).send(failure(`unknown llmops type ${JSON.stringify(body.type)}`, LLMOPS_UNKNOWN_TYPE));
      const op = body.type;
      const payload = body.user_payload;
      const refs = payload.refsForMMV ?? [];
      const bad = (msg: string) => reply.code(400).send(failure(msg, 'LLM_BAD_INPUT'));
      if (LLM_OPERATIONS[op].images === 'required' && refs.length === 0) return bad(`${op} needs at least one screen image (user_payload.refsForMMV)`);
      if (refs.length > config.llm.maxImages) return bad(`at most ${config.llm.maxImages} screen images per request (got ${refs.length})`);
      if (new Set(refs.map((r) => String(r.id))).size !== refs.length) return bad('screen image ids (refsForMMV[].id) must be unique');
      if (op === 'update_demo_content' && countAnnotationsSafe(payload.demo_state) === undefined) return bad('update_demo_content needs user_payload.demo_state, a JSON string of the annotations');

      const runId = randomUUID();
      const model = config.llm.allowedModels.includes(body.model) ? body.model : config.llm.model;
      await runs.create({
        id: runId,
        orgId: principal.orgId,
        userSub: principal.sub,
        thread: body.thread,
        entityId: body.entityId === undefined ? undefined : String(body.entityId),
        type: op,
        model,
        requestedModel: body.model || undefined,
        input: payload,
        credits: creditsFor(op, payload),
      });
      await enqueue(queues, { name: 'llm.run', data: { runId, type: op }, jobId: runId, meta: { source: 'api' } });
      background.run('llmops report', () => settlement.report(runId, principal.authorization, body, model));

      if (/(^|[,;\s])respond-async([,;\s]|$)/i.test(String(req.headers.prefer ?? ''))) {
        settleLater(runId, principal.authorization, asyncSettleMs);
        return reply
          .code(202)
          .header('preference-applied', 'respond-async')
          .header('location', `${req.url.split('?')[0]}/jobs/${runId}`)
          .send({ status: 'Success', data: { jobId: runId, state: 'queued', result: null, error: null } });
      }

      const outcome = await waiter.wait(runId, config.llm.routeWaitMs);
      if (outcome.state === 'timeout') {
        // Nobody will read a result that has not started: drop it rather than pay for it.
        const job = await queues.get('llm.run').getJob(runId);
        if (job && (await job.isWaiting())) await job.remove().catch(() => undefined);
        return reply.code(504).send(failure(`no answer within ${Math.round(config.llm.routeWaitMs / 1000)} s; retry, or send Prefer: respond-async`, 'LLM_TIMEOUT'));
      }
      background.run('llmops settle', () => settlement.settle(runId, principal.authorization, { update: true }));
      if (outcome.state === 'failed') return sendFailure(reply, outcome.reason);
      const result = outcome.value as LlmRunResult;
      return reply.send({ status: 'Success', data: { err: null, data: result.message } });
    },
  );

  app.get(
    '/llmops/jobs/:id',
    {
      // Polling is how async callers wait: it does not count against the per-user limit.
      config: { rateLimit: false },
      schema: {
        description: 'State and result of an llmops run started with Prefer: respond-async.',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9-]{8,64}$' } }, required: ['id'] },
        response: { 200: LlmJobStatus, '4xx': ApiFailure, '5xx': ApiFailure },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const principal = req.principal;
      if (!principal) return reply.code(401).send(failure('unauthorized', 'UNAUTHORIZED'));
      const run = await runs.get(id);
      // Someone else's run is as absent as a missing one.
      if (!run || run.userSub !== principal.sub) return reply.code(404).send(failure('no such llmops job', 'NOT_FOUND'));
      if (run.status === 'succeeded') background.run('llmops settle (poll)', () => settlement.settle(id, principal.authorization, { update: false }));
      const error = run.status === 'failed' ? jobFailure(`${run.errorCode ?? 'JOB_FAILED'}: ${run.error ?? ''}`) : undefined;
      return reply.send({
        status: 'Success',
        data: {
          jobId: run.id,
          state: stateOf(run),
          result: run.status === 'succeeded' ? (run.output as AssistantMessage) : null,
          error: error ? { err: error.err, errCode: error.code } : null,
        },
      });
    },
  );
}

function sendFailure(reply: FastifyReply, reason: string) {
  const f = jobFailure(reason);
  return reply.code(f.status).send(failure(f.err, f.code));
}
