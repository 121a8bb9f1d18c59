import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditRepo } from '@fable-jobs/db';
import { OpsError, type DeadLetters, type JobOps } from '@fable-jobs/ops';
import type { DashboardUser } from '@fable-jobs/runtime';
import { adminAuth } from './admin-auth.ts';

export const ADMIN_API_PATH = '/admin/api';

export interface AdminApiOptions {
  users: readonly DashboardUser[];
  /** Absent when the SQS queues could not be resolved at start: the /dlq routes answer 503. */
  deadLetters: DeadLetters | undefined;
  jobs: JobOps;
  audit: AuditRepo;
}

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));
const date = (v: unknown) => {
  const s = str(v);
  if (!s) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new OpsError('OPS_BAD_TIME', `not a time: ${s}`);
  return d;
};
const reasonOf = (body: Body) => {
  const reason = str(body['reason'])?.trim();
  if (!reason) throw new OpsError('OPS_REASON_REQUIRED', 'this action changes state: give a reason');
  return reason;
};

/**
 * The operator API behind the same users as the dashboard (viewers read, admins act): dead
 * letters, redrive, purge, bulk retry, replay, search, audit. Every change is audited.
 */
export async function adminApiPlugin(app: FastifyInstance, opts: AdminApiOptions): Promise<void> {
  app.addHook('onRequest', adminAuth(opts.users));
  app.setErrorHandler((err, _req, reply: FastifyReply) => {
    if (err instanceof OpsError) return reply.code(err.status).send({ status: 'Failure', data: { err: err.message, errCode: err.code } });
    throw err;
  });
  const who = (req: { admin?: { name: string } }) => ({ actor: req.admin?.name ?? 'unknown', source: 'admin-api' as const });
  const ok = (data: unknown) => ({ status: 'Success' as const, data });
  const dlq = (): DeadLetters => {
    if (!opts.deadLetters) throw new OpsError('OPS_SQS_UNAVAILABLE', 'the SQS queues were not reachable when the API started', 503);
    return opts.deadLetters;
  };

  app.get('/dlq', async (req) => {
    const q = req.query as Body;
    const source = (str(q['source']) ?? 'all') as 'sqs' | 'jobs' | 'all';
    return ok(await dlq().list({ source, queue: str(q['queue']), limit: num(q['limit']) ?? 100 }));
  });
  app.get('/dlq/:id', async (req, reply) => {
    const entry = await dlq().show((req.params as { id: string }).id);
    return entry ? ok(entry) : reply.code(404).send({ status: 'Failure', data: { err: 'no such dead letter', errCode: 'OPS_NOT_FOUND' } });
  });
  app.post('/dlq/redrive', async (req) => {
    const b = (req.body ?? {}) as Body;
    const dryRun = b['dryRun'] === true;
    return ok(await dlq().redrive({ ...who(req), reason: dryRun ? str(b['reason']) : reasonOf(b), dryRun, type: str(b['type']), ratePerSecond: num(b['rate']), max: num(b['max']) }));
  });
  app.post('/dlq/purge', async (req) => {
    const b = (req.body ?? {}) as Body;
    const what = (str(b['what']) ?? 'all') as 'sqs' | 'jobs' | 'all';
    if (!['sqs', 'jobs', 'all'].includes(what)) throw new OpsError('OPS_USAGE', 'what: sqs | jobs | all');
    return ok(await dlq().purge({ ...who(req), reason: reasonOf(b), what, queue: str(b['queue']) }));
  });
  app.post('/jobs/retry', async (req) => {
    const b = (req.body ?? {}) as Body;
    const dryRun = b['dryRun'] === true;
    return ok(await opts.jobs.retryFailed({ ...who(req), reason: dryRun ? str(b['reason']) : reasonOf(b), dryRun, queue: str(b['queue']), code: str(b['code']), since: date(b['since']), until: date(b['until']), limit: num(b['limit']) }));
  });
  app.post('/jobs/:queue/:id/replay', async (req) => {
    const b = (req.body ?? {}) as Body;
    const { queue, id } = req.params as { queue: string; id: string };
    const data = b['data'] === undefined ? undefined : (b['data'] as Record<string, unknown>);
    return ok(await opts.jobs.replay({ ...who(req), reason: reasonOf(b), queue, jobId: id, data }));
  });
  app.get('/search', async (req) => {
    const q = req.query as Body;
    const type = str(q['type']);
    const value = str(q['value']);
    if (!type || !value) throw new OpsError('OPS_USAGE', 'search needs ?type=<org|job_key|message_id|idempotency_key|rid|integration>&value=...');
    return ok(await opts.jobs.search(type, value, num(q['limit']) ?? 50));
  });
  app.get('/audit', async (req) => {
    const q = req.query as Body;
    return ok(await opts.audit.list({ limit: num(q['limit']) ?? 50, action: str(q['action']), target: str(q['target']), since: date(q['since']) }));
  });
}
