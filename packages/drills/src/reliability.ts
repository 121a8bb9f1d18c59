import { cpus } from 'node:os';
import type { Report } from './fleet.ts';
import {
  baseline,
  blockedEventLoop,
  bridgeSigkill,
  clockSkew,
  databaseOutage,
  idempotencyTwice,
  poisonMix,
  redisMaxmemory,
  redisRestart,
  redisSigkillAof,
  redisSigstop,
  rollingSigterm,
  sqsDeleteFailures,
  workerSigkill,
} from './index.ts';

/** `error`: the drill did not run to the end, so it proves nothing (and misses its target). */
type Row = Report & { scenario: string; error?: string };

/** Every drill, in order, one at a time (each runs its own fleet). */
export const DRILLS: Array<[string, () => Promise<Row | Row[]>]> = [
  ['01-baseline', () => baseline()],
  ['02-bridge-sigkill', () => bridgeSigkill()],
  ['03-sqs-delete-failures', () => sqsDeleteFailures()],
  ['04-worker-sigkill', () => workerSigkill()],
  ['05-blocked-event-loop', () => blockedEventLoop()],
  ['06-redis-restart', () => redisRestart()],
  ['07-redis-sigkill-aof', () => redisSigkillAof()],
  ['08-redis-sigstop', () => redisSigstop()],
  ['09-redis-maxmemory', () => redisMaxmemory()],
  ['10-database-outage', () => databaseOutage()],
  ['11-poison-mix', () => poisonMix()],
  ['12-rolling-sigterm', () => rollingSigterm()],
  ['13-idempotency-key-twice', () => idempotencyTwice()],
  ['14-clock-skew', () => clockSkew()],
];

/** Target: nothing lost, no duplicate effect (loss is allowed only for 7 with durable ack off). */
export function targetMet(r: Row): boolean {
  const lossAllowed = /durable ack off/.test(r.scenario);
  return r.error === undefined && (lossAllowed || r.lost === 0) && r.duplicates === 0;
}

const cell = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|');

export function renderReliability(rows: Array<Row & { file: string; ms: number }>, meta: { started: string; node: string; redis: string }): string {
  const lines = [
    '# Reliability',
    '',
    `Fault drills run ${meta.started} on this machine (${cpus().length} cores, Node ${meta.node}, Redis ${meta.redis}, MariaDB and PostgreSQL local), each against the fleet as separate processes: the SQS emulator in its own process, a private redis-server, real \`fable-jobs bridge\` and \`fable-jobs worker\` processes.`,
    '',
    'Command: `npm run bench -- faults` (all, writes this file), or one drill: `node bench/faults/<NN-name>.ts` (`FAULT_COUNT` sets the message count).',
    '',
    '**How effects are counted.** Each message is a `SYSTEM_EFFECT` whose job, at the end of its run (after `ctx.fence()`), records its effect in MySQL the way a receiver that drops repeated event ids does: one transaction claims the job\'s idempotency key (`ctx.idempotencyKey`: queue, job id and the instant the job was added, so the same on every run of that job and different for any other job, a second one added under the same id included) and counts the effect only if the key was new; every run that got there is counted as an execution. *distinct* = messages with an effect, *duplicate effects* = effects beyond the first per message (two jobs for one message: the bridge\'s dedupe failed), *re-executions* = runs of a job beyond its first that reached the receiver (at-least-once: a lost lock hands a job that already caused its effect to another worker; the receiver drops the repeat), *lost* = messages with no effect and not in the dead-letter queue, *dead-lettered* = messages in the SQS dead-letter queue. Recovery time is defined per drill in its notes. The target is lost = 0 and duplicate effects = 0 (7 with durable ack off may lose).',
    '',
    '| # | drill | sent | distinct effects | duplicate effects | re-executions | lost | dead-lettered | recovery | target | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.file.slice(0, 2)} | ${cell(r.scenario.replace(/^\d+ /, ''))} | ${r.sent} | ${r.distinct} | ${r.duplicates} | ${r.reExecutions} | ${r.lost} | ${r.deadLettered} | ${r.recoveryMs === undefined ? '—' : `${(r.recoveryMs / 1000).toFixed(1)} s`} | ${r.error !== undefined ? '**did not run**' : targetMet(r) ? 'met' : '**missed**'} | ${cell(r.notes)} |`,
    );
  }
  const missed = rows.filter((r) => !targetMet(r));
  lines.push('', '## Drills that missed the target', '');
  if (missed.length === 0) lines.push('None.');
  for (const r of missed) lines.push(r.error !== undefined ? `- **${r.scenario}**: did not run: ${r.error}` : `- **${r.scenario}**: ${r.lost} lost, ${r.duplicates} duplicate effects.`);
  const rerun = rows.filter((r) => r.reExecutions > 0);
  lines.push('', '## Re-executions', '');
  if (rerun.length === 0) lines.push('None: no job ran twice.');
  for (const r of rerun) lines.push(`- **${r.scenario}**: ${r.reExecutions} re-execution${r.reExecutions === 1 ? '' : 's'}, none of them a second effect. ${WHY[r.file] ?? ''}`.trimEnd());
  lines.push('', `Run time of the whole suite: ${Math.round(rows.reduce((a, r) => a + r.ms, 0) / 1000)} s.`, '');
  return lines.join('\n');
}

/** Why a drill re-runs jobs: the fleet is at-least-once, and where the repeat is dropped. */
const WHY: Record<string, string> = {
  '04-worker-sigkill':
    'A worker killed between a job\'s effect and the report of its completion: the lock lapses and another worker runs the job again, with the same idempotency key.',
  '05-blocked-event-loop':
    'A worker whose event loop is blocked cannot renew its locks: every job it holds is handed to another worker. `ctx.fence()` stops the blocked job itself from causing its effect late, but jobs on the same worker that had already caused their effect and were only waiting to report completion run again elsewhere, with the same idempotency key. Production processors pass that key on (webhook event ids derived from the job, upserts, deterministic S3 keys); CPU-bound work belongs in a child process (ffmpeg) so the event loop stays free.',
  '10-database-outage':
    'The one way a run of this drill fails after its effect: the databases go away between its MySQL commit and the answer to it. The run sees an error and is retried, with the same idempotency key.',
  '08-redis-sigstop':
    'While Redis is stopped, running jobs cannot report completion; after 40 s their locks have expired, so they run again, with the same idempotency key.',
};

export async function runAllDrills(log: (line: string) => void = () => {}): Promise<Array<Row & { file: string; ms: number }>> {
  const rows: Array<Row & { file: string; ms: number }> = [];
  for (const [file, run] of DRILLS) {
    const t0 = Date.now();
    log(`drill ${file}...`);
    try {
      const out = await run();
      const ms = Date.now() - t0;
      for (const r of Array.isArray(out) ? out : [out]) rows.push({ ...r, file, ms: Array.isArray(out) ? ms / out.length : ms });
    } catch (err) {
      rows.push({ scenario: file, sent: 0, distinct: 0, duplicates: 0, reExecutions: 0, lost: 0, deadLettered: 0, error: (err as Error).message.split('\n')[0] ?? 'unknown error', notes: 'drill failed to run', file, ms: Date.now() - t0 });
    }
    log(`  ${JSON.stringify(rows.at(-1))}`);
  }
  return rows;
}
