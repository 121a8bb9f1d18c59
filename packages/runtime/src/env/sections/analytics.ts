import type { AnalyticsKind } from '@fable-jobs/contracts';
import { SettingError, v } from '../define.ts';
import { hostPort } from './core.ts';

const CRON_FIELD = /^[0-9A-Za-z*/,?#-]+$/;

/** A 5-field cron pattern (6 with seconds first), or `off`. BullMQ checks the values when it upserts the schedule. */
function parseCron(raw: string): string | null {
  const s = raw.trim();
  if (s.toLowerCase() === 'off') return null;
  const fields = s.split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => CRON_FIELD.test(f))) {
    throw new SettingError(`must be a cron pattern with 5 fields (or 6, seconds first), or off (got ${JSON.stringify(raw)})`);
  }
  return fields.join(' ');
}

function parseTimeZone(raw: string): string {
  const tz = raw.trim();
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new SettingError(`must be an IANA time zone such as UTC or Europe/Berlin (got ${JSON.stringify(raw)})`);
  }
  return tz;
}

function parsePositiveInt(raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new SettingError(`must be a positive integer (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

function parseInstant(raw: string): Date {
  // Date-only or zone-less values are read as UTC, so the watermark never depends on the host's zone.
  const s = raw.trim();
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new SettingError(`must be an ISO 8601 date or date-time, read as UTC (got ${JSON.stringify(raw)})`);
  return d;
}

/** Schedule and statement timeout of one analytics kind. */
function kind(name: AnalyticsKind, cron: string | null, what: string) {
  return {
    cron: v.custom([`ANALYTICS_${name}_CRON`], { default: cron, describe: (c: string | null) => c ?? 'off', doc: `When ${what} runs on its own (cron, read in its time zone), or off; SQS triggers work either way.` }, parseCron),
    tz: v.custom<string | undefined>([`ANALYTICS_${name}_TZ`], { default: undefined, doc: `Time zone of ANALYTICS_${name}_CRON (default ANALYTICS_SCHEDULE_TZ).` }, parseTimeZone),
    statementTimeoutMs: v.custom<number | undefined>(
      [`ANALYTICS_${name}_STATEMENT_TIMEOUT_MS`],
      { default: undefined, doc: `PostgreSQL statement_timeout of ${name} runs (default ANALYTICS_STATEMENT_TIMEOUT_MS).` },
      parsePositiveInt,
    ),
  };
}

export const analytics = {
  // The analytics pool's own connection (role and pool); each unset value falls back to the PostgreSQL section.
  dbAddress: v.custom<{ host: string; port: number } | undefined>(
    ['ANALYTICS_JOBS_DB_CONN_URL'],
    { default: undefined, doc: 'host:port the analytics pool writes to (default ANALYTICS_DB_CONN_URL).' },
    hostPort(5432),
  ),
  dbUser: v.optionalString(['ANALYTICS_JOBS_DB_USER'], { doc: 'PostgreSQL role of the analytics pool: owns the al materialized views and may write al tables (default ANALYTICS_DB_USER).' }),
  dbPassword: v.optionalString(['ANALYTICS_JOBS_DB_PWD'], { secret: true, doc: 'Password of ANALYTICS_JOBS_DB_USER (default ANALYTICS_DB_PWD).' }),
  dbPoolMax: v.custom<number | undefined>(['ANALYTICS_JOBS_DB_POOL_MAX'], { default: undefined, doc: 'Connections of the analytics pool per process: one per running kind, plus one to cancel (default PG_POOL_MAX).' }, parsePositiveInt),
  watermarkStart: v.custom(
    ['ANALYTICS_WATERMARK_START'],
    { default: new Date('2020-01-01T00:00:00Z'), describe: (d: Date) => d.toISOString(), doc: 'Low watermark of the first run of each windowed kind (UTC); later runs start at the previous successful run\'s high watermark.' },
    parseInstant,
  ),
  statementTimeoutMs: v.int(['ANALYTICS_STATEMENT_TIMEOUT_MS'], { default: 25 * 60_000, min: 1000, doc: 'PostgreSQL statement_timeout of an analytics run (keep it below the job timeout so PostgreSQL stops first).' }),
  scheduleTz: v.custom(['ANALYTICS_SCHEDULE_TZ'], { default: 'UTC', doc: 'Time zone of the analytics cron patterns that do not set their own.' }, parseTimeZone),
  kinds: {
    REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW: kind('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW', '0 * * * *', 'the refresh of al.entity_metrics'),
    REFRESH_DAILY_ENTITY_METRICS: kind('REFRESH_DAILY_ENTITY_METRICS', '20 0 * * *', 'the refresh of al.entity_metrics_daily'),
    CALCULATE_ENTITY_SUB_ENTITY_METRICS: kind('CALCULATE_ENTITY_SUB_ENTITY_METRICS', '30 * * * *', 'the refresh of al.entity_subentity_distribution'),
    UPDATE_HOUSE_LEAD: kind('UPDATE_HOUSE_LEAD', '0 2 * * *', 'the house-lead update (leads, then their metrics)'),
    // UPDATE_HOUSE_LEAD already recomputes the metrics; this kind stays for SQS triggers (the old service never ran it).
    CALCULATE_HOUSE_LEAD_METRICS: kind('CALCULATE_HOUSE_LEAD_METRICS', null, 'the house-lead metrics recalculation'),
    ACTIVITY_DT_DATA_TRUNCATE: kind('ACTIVITY_DT_DATA_TRUNCATE', '0 1 * * *', 'the removal of duplicate activity rows'),
  } satisfies Record<AnalyticsKind, unknown>,
};
