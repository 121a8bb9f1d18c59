import { ANALYTICS_KINDS, type AnalyticsKind } from '@fable-jobs/contracts';

export interface Window {
  /** The previous successful run's high watermark (first run: the configured start). */
  lo: Date;
  /** Now, when the run started. */
  hi: Date;
}

/** Runs one named statement inside the run's transaction and returns its rows. */
export type Step = (name: string, sql: string, bindings?: readonly unknown[]) => Promise<Array<Record<string, unknown>>>;

export interface KindSpec {
  kind: AnalyticsKind;
  job: (typeof ANALYTICS_KINDS)[AnalyticsKind];
  /** The statements of one run, in one transaction; returns the result summary. */
  run(step: Step, window: Window): Promise<Record<string, number>>;
}

async function single(step: Step, name: string, sql: string, bindings: readonly unknown[] = []): Promise<number> {
  const [row] = await step(name, sql, bindings);
  return Number(row?.['n'] ?? 0);
}

/** What each kind runs. SQL is fixed text; only the watermarks are values, and they are bound. */
export const KINDS: Record<AnalyticsKind, KindSpec> = {
  REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW: {
    kind: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW',
    job: ANALYTICS_KINDS.REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW,
    async run(step) {
      await step('refresh al.entity_metrics', 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics');
      return { rows: await single(step, 'count al.entity_metrics', 'SELECT count(*) AS n FROM al.entity_metrics') };
    },
  },
  REFRESH_DAILY_ENTITY_METRICS: {
    kind: 'REFRESH_DAILY_ENTITY_METRICS',
    job: ANALYTICS_KINDS.REFRESH_DAILY_ENTITY_METRICS,
    async run(step) {
      await step('refresh al.entity_metrics_daily', 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics_daily');
      return { rows: await single(step, 'count al.entity_metrics_daily', 'SELECT count(*) AS n FROM al.entity_metrics_daily') };
    },
  },
  CALCULATE_ENTITY_SUB_ENTITY_METRICS: {
    kind: 'CALCULATE_ENTITY_SUB_ENTITY_METRICS',
    job: ANALYTICS_KINDS.CALCULATE_ENTITY_SUB_ENTITY_METRICS,
    async run(step) {
      await step('refresh al.entity_subentity_distribution', 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_subentity_distribution');
      return { rows: await single(step, 'count al.entity_subentity_distribution', 'SELECT count(*) AS n FROM al.entity_subentity_distribution') };
    },
  },
  UPDATE_HOUSE_LEAD: {
    kind: 'UPDATE_HOUSE_LEAD',
    job: ANALYTICS_KINDS.UPDATE_HOUSE_LEAD,
    async run(step, w) {
      const houseLeads = await single(step, 'al.update_house_lead', 'SELECT al.update_house_lead(?::timestamptz, ?::timestamptz) AS n', [w.lo, w.hi]);
      const metricRows = await single(step, 'al.update_house_lead_metrics', 'SELECT al.update_house_lead_metrics(?::timestamptz, ?::timestamptz) AS n', [w.lo, w.hi]);
      return { houseLeads, metricRows };
    },
  },
  CALCULATE_HOUSE_LEAD_METRICS: {
    kind: 'CALCULATE_HOUSE_LEAD_METRICS',
    job: ANALYTICS_KINDS.CALCULATE_HOUSE_LEAD_METRICS,
    async run(step, w) {
      return { metricRows: await single(step, 'al.update_house_lead_metrics', 'SELECT al.update_house_lead_metrics(?::timestamptz, ?::timestamptz) AS n', [w.lo, w.hi]) };
    },
  },
  ACTIVITY_DT_DATA_TRUNCATE: {
    kind: 'ACTIVITY_DT_DATA_TRUNCATE',
    job: ANALYTICS_KINDS.ACTIVITY_DT_DATA_TRUNCATE,
    async run(step, w) {
      return {
        duplicatesRemoved: await single(step, 'al.remove_duplicates_activity_dt', 'SELECT al.remove_duplicates_activity_dt(?::timestamptz, ?::timestamptz) AS n', [w.lo, w.hi]),
      };
    },
  },
};

export function isAnalyticsKind(value: string): value is AnalyticsKind {
  return Object.hasOwn(KINDS, value);
}
