import { SettingError, v } from '../define.ts';

export interface JobOverride {
  concurrency?: number;
  attempts?: number;
  lockDurationMs?: number;
  timeoutMs?: number;
  backoffMs?: number;
  limiter?: { max: number; durationMs: number } | null;
}

function parseOverrides(raw: string): Record<string, JobOverride> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SettingError('must be a JSON object like {"media.transcode-video":{"concurrency":2}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SettingError('must be a JSON object keyed by job name');
  const allowed = new Set(['concurrency', 'attempts', 'lockDurationMs', 'timeoutMs', 'backoffMs', 'limiter']);
  for (const [job, o] of Object.entries(parsed)) {
    if (typeof o !== 'object' || o === null) throw new SettingError(`${job}: must be an object`);
    for (const [k, val] of Object.entries(o)) {
      if (!allowed.has(k)) throw new SettingError(`${job}.${k}: unknown override (allowed: ${[...allowed].join(', ')})`);
      if (k === 'limiter') {
        if (val === null) continue;
        const l = val as { max?: unknown; durationMs?: unknown };
        if (typeof l !== 'object' || !Number.isInteger(l.max) || !Number.isInteger(l.durationMs)) throw new SettingError(`${job}.limiter: must be {"max": int, "durationMs": int} or null`);
      } else if (!Number.isInteger(val) || (val as number) < (k === 'attempts' || k === 'concurrency' ? 1 : 0)) {
        throw new SettingError(`${job}.${k}: must be a positive integer`);
      }
    }
  }
  return parsed as Record<string, JobOverride>;
}

export const worker = {
  pools: v.list(['WORKER_POOLS'], { default: ['all'], doc: 'Pools this worker process runs (comma list of system, media, analytics, integrations, llm, or all).' }),
  jobOverrides: v.custom(['JOB_OVERRIDES'], { default: {}, describe: () => '{}', doc: 'Per-job overrides of the catalogue, JSON: {"<job>":{"concurrency","attempts","lockDurationMs","timeoutMs","backoffMs","limiter"}}.' }, parseOverrides),
  stalledIntervalMs: v.int(['WORKER_STALLED_INTERVAL_MS'], { default: 30_000, min: 100, doc: 'How often workers look for jobs whose lock expired (a crashed worker) and hand them on.' }),
  maxStalledCount: v.int(['WORKER_MAX_STALLED_COUNT'], { default: 2, min: 0, doc: 'A job that stalls more often than this fails (JOB_STALLED).' }),
  statusFlushMs: v.int(['WORKER_STATUS_FLUSH_MS'], { default: 200, min: 1, max: 60_000, doc: 'Job-run records are written to MySQL in batches at this interval.' }),
  recordRetentionDays: v.int(['JOB_RECORD_RETENTION_DAYS'], {
    default: 30,
    min: 1,
    max: 3650,
    doc: 'Finished job-run records (MySQL job_runs) and job search-index entries (job_keys) older than this are deleted, hourly, by one worker process at a time.',
  }),
};
