import { ANALYTICS_KINDS, type AnalyticsKind } from '@fable-jobs/contracts';
import type { Config } from '@fable-jobs/runtime';

export interface KindSettings {
  statementTimeoutMs: number;
  /** Cron pattern, or null when the kind runs only when triggered. */
  cron: string | null;
  tz: string;
}

export interface AnalyticsSettings {
  /** The analytics pool's own connection: its role, password, address and pool size. */
  db: Config['postgres'];
  watermarkStart: Date;
  kinds: Record<AnalyticsKind, KindSettings>;
}

export const KIND_NAMES = Object.keys(ANALYTICS_KINDS) as AnalyticsKind[];

/** The analytics section with every unset value taken from the general PostgreSQL settings. */
export function analyticsSettings(config: Config): AnalyticsSettings {
  const a = config.analytics;
  const kinds = {} as Record<AnalyticsKind, KindSettings>;
  for (const kind of KIND_NAMES) {
    const k = a.kinds[kind];
    kinds[kind] = { statementTimeoutMs: k.statementTimeoutMs ?? a.statementTimeoutMs, cron: k.cron, tz: k.tz ?? a.scheduleTz };
  }
  return {
    db: {
      ...config.postgres,
      address: a.dbAddress ?? config.postgres.address,
      user: a.dbUser ?? config.postgres.user,
      password: a.dbPassword ?? config.postgres.password,
      poolMax: a.dbPoolMax ?? config.postgres.poolMax,
    },
    watermarkStart: a.watermarkStart,
    kinds,
  };
}
