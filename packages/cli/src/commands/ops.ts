import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AuditRepo, JobKeysRepo, LedgerRepo } from '@fable-jobs/db';
import { DeadLetters, JobOps, OpsError } from '@fable-jobs/ops';
import { createSqsClient, resolveQueueUrls } from '@fable-jobs/runtime';
import type { Context } from '../context.ts';

const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

function actorOf(flag: string | undefined): string {
  if (flag) return flag;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function parseTime(v: string | undefined, flag: string): Date | undefined {
  if (!v) return undefined;
  const rel = /^(\d+)([smhd])$/.exec(v);
  const d = rel ? new Date(Date.now() - Number(rel[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[rel[2] as 's' | 'm' | 'h' | 'd']) : new Date(v);
  if (Number.isNaN(d.getTime())) throw new OpsError('OPS_BAD_TIME', `${flag}: an ISO time or an age like 30m, 2h, 7d`);
  return d;
}

async function deadLetters(ctx: Context): Promise<DeadLetters> {
  const sqs = createSqsClient(ctx.config);
  ctx.lifecycle.on('close', 'sqs client', () => sqs.destroy());
  const urls = await resolveQueueUrls(sqs, ctx.config);
  return new DeadLetters({ sqs, ...urls, queues: ctx.queues, audit: new AuditRepo(ctx.mysql), log: ctx.log });
}

function jobOps(ctx: Context): JobOps {
  return new JobOps({ queues: ctx.queues, audit: new AuditRepo(ctx.mysql), keys: new JobKeysRepo(ctx.mysql), ledger: new LedgerRepo(ctx.mysql) });
}

/** `fable-jobs dlq list|show|redrive|purge`, `replay`, `retry`, `search`, `audit`. */
export async function runOpsCommand(ctx: Context, command: string, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      actor: { type: 'string' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      type: { type: 'string' },
      rate: { type: 'string' },
      max: { type: 'string' },
      limit: { type: 'string' },
      queue: { type: 'string' },
      source: { type: 'string' },
      what: { type: 'string' },
      code: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      data: { type: 'string' },
      action: { type: 'string' },
    },
  });
  const who = { actor: actorOf(values.actor), source: 'cli' as const, reason: values.reason };
  const limit = values.limit ? Number(values.limit) : undefined;
  const needReason = () => {
    if (!values.reason?.trim()) throw new OpsError('OPS_REASON_REQUIRED', `${command} changes state: say why with --reason "..."`);
  };
  if (command === 'dlq') {
    const [sub, id] = positionals;
    const dl = await deadLetters(ctx);
    if (sub === 'list') return out(await dl.list({ limit, queue: values.queue, source: (values.source as 'sqs' | 'jobs' | 'all' | undefined) ?? 'all' }));
    if (sub === 'show') {
      if (!id) throw new OpsError('OPS_USAGE', 'dlq show <id> (an id from dlq list)');
      const entry = await dl.show(id);
      if (!entry) throw new OpsError('OPS_NOT_FOUND', `no dead letter ${id}`, 404);
      return out(entry);
    }
    if (sub === 'redrive') {
      if (!values['dry-run']) needReason();
      return out(await dl.redrive({ ...who, dryRun: values['dry-run'], type: values.type, ratePerSecond: values.rate ? Number(values.rate) : undefined, max: values.max ? Number(values.max) : undefined }));
    }
    if (sub === 'purge') {
      needReason();
      const what = (values.what ?? 'all') as 'sqs' | 'jobs' | 'all';
      if (!['sqs', 'jobs', 'all'].includes(what)) throw new OpsError('OPS_USAGE', '--what sqs|jobs|all');
      return out(await dl.purge({ ...who, what, queue: values.queue }));
    }
    throw new OpsError('OPS_USAGE', 'dlq list|show|redrive|purge');
  }
  if (command === 'replay') {
    const [queue, jobId] = positionals;
    if (!queue || !jobId) throw new OpsError('OPS_USAGE', 'replay <queue> <jobId> [--data file.json] --reason "..."');
    const data = values.data ? (JSON.parse(await readFile(values.data, 'utf8')) as Record<string, unknown>) : undefined;
    return out(await jobOps(ctx).replay({ ...who, queue, jobId, data }));
  }
  if (command === 'retry') {
    if (!values['dry-run']) needReason();
    return out(await jobOps(ctx).retryFailed({ ...who, queue: values.queue, code: values.code, since: parseTime(values.since, '--since'), until: parseTime(values.until, '--until'), limit, dryRun: values['dry-run'] }));
  }
  if (command === 'search') {
    const [type, value] = positionals;
    if (!type || !value) throw new OpsError('OPS_USAGE', 'search <org|job_key|message_id|idempotency_key|rid|integration> <value>');
    return out(await jobOps(ctx).search(type, value, limit));
  }
  if (command === 'audit') {
    return out(await new AuditRepo(ctx.mysql).list({ limit: limit ?? 50, action: values.action, since: parseTime(values.since, '--since') }));
  }
  throw new OpsError('OPS_USAGE', `unknown command ${command}`);
}
