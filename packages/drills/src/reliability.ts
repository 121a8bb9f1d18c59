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

type Row = Report & { scenario: string };

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
  return (lossAllowed || r.lost === 0) && r.duplicates === 0;
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
    '**How effects are counted.** Each message is a `SYSTEM_EFFECT` whose job writes one row per effect key into MySQL `system_effects` at the end of its run (after `ctx.fence()`), counting every execution that reached the table. *distinct* = keys with at least one execution, *duplicate* = executions beyond the first (a receiver without an idempotency key would have seen them twice), *lost* = messages with no effect and not in the dead-letter queue, *dead-lettered* = messages in the SQS dead-letter queue. Recovery time is defined per drill in its notes. The target is lost = 0 and duplicate = 0 (7 with durable ack off may lose).',
    '',
    '| # | drill | sent | distinct effects | duplicate effects | lost | dead-lettered | recovery | target | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.file.slice(0, 2)} | ${cell(r.scenario.replace(/^\d+ /, ''))} | ${r.sent} | ${r.distinct} | ${r.duplicates} | ${r.lost} | ${r.deadLettered} | ${r.recoveryMs === undefined ? '—' : `${(r.recoveryMs / 1000).toFixed(1)} s`} | ${targetMet(r) ? 'met' : '**missed**'} | ${cell(r.notes)} |`,
    );
  }
  const missed = rows.filter((r) => !targetMet(r));
  lines.push('', '## Drills that missed the target', '');
  if (missed.length === 0) lines.push('None.');
  for (const r of missed) lines.push(`- **${r.scenario}**: ${r.lost} lost, ${r.duplicates} duplicate executions. ${WHY[r.file] ?? ''}`);
  lines.push('', `Run time of the whole suite: ${Math.round(rows.reduce((a, r) => a + r.ms, 0) / 1000)} s.`, '');
  return lines.join('\n');
}

/** What the fleet guarantees where a drill can produce duplicates: at-least-once, and why. */
const WHY: Record<string, string> = {
  '05-blocked-event-loop':
    'The fleet is at-least-once. A worker whose event loop is blocked cannot renew its locks: every job it holds is handed to another worker. `ctx.fence()` stops the blocked job itself from causing its effect late, but jobs on the same worker that had already caused their effect and were only waiting to report completion run again elsewhere. Production processors make such re-runs harmless at the receiver (stable webhook event ids, upserts, deterministic S3 keys); CPU-bound work belongs in a child process (ffmpeg) so the event loop stays free.',
  '08-redis-sigstop':
    'While Redis is stopped, running jobs cannot report completion; after 40 s their locks have expired, so they run again. Same at-least-once rule: receivers dedupe by event id.',
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
      rows.push({ scenario: file, sent: 0, distinct: 0, duplicates: 0, lost: 0, deadLettered: 0, notes: `drill failed to run: ${(err as Error).message.split('\n')[0]}`, file, ms: Date.now() - t0 });
    }
    log(`  ${JSON.stringify(rows.at(-1))}`);
  }
  return rows;
}
