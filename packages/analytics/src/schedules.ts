import type { AnalyticsKind } from '@fable-jobs/contracts';
import { KINDS } from './kinds.ts';
import { KIND_NAMES, type AnalyticsSettings } from './settings.ts';

/** A kind's schedule, in the shape the queue package's `upsertSchedules` takes. */
export interface AnalyticsSchedule {
  job: (typeof KINDS)[AnalyticsKind]['job'];
  /** null: no schedule (an existing one is removed). */
  cron: string | null;
  tz: string;
  data: { kind: AnalyticsKind; trigger: 'schedule' };
}

/** One schedule per kind, from the configuration (disabled kinds included, so their scheduler is removed). */
export function analyticsSchedules(settings: AnalyticsSettings): AnalyticsSchedule[] {
  return KIND_NAMES.map((kind) => ({
    job: KINDS[kind].job,
    cron: settings.kinds[kind].cron,
    tz: settings.kinds[kind].tz,
    data: { kind, trigger: 'schedule' },
  }));
}
