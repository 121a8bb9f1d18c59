import type { Knex } from '@fable-jobs/db';

/** Size of the generated data set; the version string keys the cache. */
export const BENCH_DATA = {
  orgs: 200,
  entitiesPerOrg: 10,
  visitorsPerOrg: 400,
  sessions: 120_000,
  // Steps viewed per session: 3..15 (mean 9), so about 1.08 M view rows plus CTA and completion rows.
  minSteps: 3,
  maxSteps: 15,
  // One event in 50 gets a second copy (the duplicates ACTIVITY_DT_DATA_TRUNCATE removes).
  duplicateEvery: 50,
  // One session in 8 fills the lead form.
  leadEvery: 8,
} as const;

export const BENCH_DATA_VERSION = `v1:${Object.values(BENCH_DATA).join('-')}`;

export interface BenchDataInfo {
  activityRows: number;
  duplicateRows: number;
  sessions: number;
  leads: number;
  seededNow: boolean;
}

/**
 * Generate the data set deterministically with SQL (generate_series) unless the database already
 * holds this version of it. Keeps the duplicate rows in `bench.activity_dups` so each
 * ACTIVITY_DT_DATA_TRUNCATE measurement can start from the same state.
 */
export async function ensureBenchData(pg: Knex, log: (line: string) => void): Promise<BenchDataInfo> {
  await pg.raw('CREATE SCHEMA IF NOT EXISTS bench');
  await pg.raw('CREATE TABLE IF NOT EXISTS bench.meta (version text PRIMARY KEY, activity_rows bigint NOT NULL, duplicate_rows bigint NOT NULL, sessions bigint NOT NULL, leads bigint NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())');
  const cached = (await pg.raw('SELECT activity_rows::int, duplicate_rows::int, sessions::int, leads::int FROM bench.meta WHERE version = ?', [BENCH_DATA_VERSION])) as {
    rows: Array<{ activity_rows: number; duplicate_rows: number; sessions: number; leads: number }>;
  };
  const hit = cached.rows[0];
  if (hit) return { activityRows: hit.activity_rows, duplicateRows: hit.duplicate_rows, sessions: hit.sessions, leads: hit.leads, seededNow: false };

  const d = BENCH_DATA;
  const t0 = Date.now();
  log(`seeding ${BENCH_DATA_VERSION} (cached in this database afterwards)`);
  await pg.transaction(async (trx) => {
    await trx.raw('TRUNCATE al.house_lead_metrics, al.house_lead_visitor, al.house_lead, al.leads, al.activity_dt, al.entity_sessions, al.entities, al.orgs, al.job_runs RESTART IDENTITY');
    await trx.raw('DROP TABLE IF EXISTS bench.session_plan, bench.activity_dups');
    await trx.raw('DELETE FROM bench.meta');
    await trx.raw("INSERT INTO al.orgs (id, name) SELECT g, 'Org ' || g FROM generate_series(1, ?::int) g", [d.orgs]);
    await trx.raw(
      "INSERT INTO al.entities (id, org_id, rid, name) SELECT g, 1 + (g - 1) / ?::int, 'demo-' || g, 'Demo ' || g FROM generate_series(1, ?::int) g",
      [d.entitiesPerOrg, d.orgs * d.entitiesPerOrg],
    );
    // Deterministic pseudo-random choices from the session number (multiplicative hashing).
    await trx.raw(
      `CREATE TABLE bench.session_plan AS
       SELECT g AS n,
              md5('session-' || g)::uuid AS id,
              1 + (g::bigint * 7919) % ?::int AS entity_id,
              ?::int + (g::bigint * 104729) % (?::int - ?::int + 1) AS steps,
              timestamptz '2025-01-01 00:00:00+00' + ((g::bigint * 2654435761) % (90 * 86400)) * interval '1 second' AS started_at,
              (g::bigint * 40503) % ?::int AS visitor_no
         FROM generate_series(1, ?::int) g`,
      [d.orgs * d.entitiesPerOrg, d.minSteps, d.maxSteps, d.minSteps, d.visitorsPerOrg, d.sessions],
    );
    await trx.raw(
      `INSERT INTO al.entity_sessions (id, org_id, entity_id, visitor_id, started_at)
       SELECT p.id, e.org_id, p.entity_id, 'v' || e.org_id || '-' || p.visitor_no, p.started_at
         FROM bench.session_plan p JOIN al.entities e ON e.id = p.entity_id`,
    );
    await trx.raw(
      `INSERT INTO al.activity_dt (session_id, sub_entity_id, event_type, occurred_at, time_spent_ms)
       SELECT p.id, 's' || i, 'view', p.started_at + i * interval '10 seconds', 1000 + ((p.n * 31 + i * 977) % 20000)::int
         FROM bench.session_plan p, generate_series(1, p.steps) i`,
    );
    await trx.raw(
      `INSERT INTO al.activity_dt (session_id, sub_entity_id, event_type, occurred_at)
       SELECT p.id, 's' || p.steps, 'cta_click', p.started_at + (p.steps * 10 + 5) * interval '1 second' FROM bench.session_plan p WHERE p.n % 10 < 3
       UNION ALL
       SELECT p.id, 's' || p.steps, 'complete', p.started_at + (p.steps * 10 + 8) * interval '1 second' FROM bench.session_plan p WHERE p.n % 10 >= 6`,
    );
    await trx.raw(
      `INSERT INTO al.leads (org_id, entity_id, session_id, visitor_id, email, first_name, last_name, captured_at)
       SELECT s.org_id, s.entity_id, s.id, s.visitor_id, s.visitor_id || '@example.com', 'First ' || p.n, CASE WHEN p.n % 2 = 0 THEN 'Last ' || p.n END,
              p.started_at + interval '30 seconds'
         FROM bench.session_plan p JOIN al.entity_sessions s ON s.id = p.id
        WHERE p.n % ?::int = 0`,
      [d.leadEvery],
    );
    await trx.raw(
      `CREATE TABLE bench.activity_dups AS
       SELECT session_id, sub_entity_id, event_type, occurred_at, time_spent_ms FROM al.activity_dt WHERE id % ?::int = 0`,
      [d.duplicateEvery],
    );
    await trx.raw('INSERT INTO al.activity_dt (session_id, sub_entity_id, event_type, occurred_at, time_spent_ms) SELECT * FROM bench.activity_dups');
    const count = async (sql: string) => Number(((await trx.raw(sql)) as { rows: Array<{ n: string }> }).rows[0]?.n ?? 0);
    const info = {
      activityRows: await count('SELECT count(*) AS n FROM al.activity_dt'),
      duplicateRows: await count('SELECT count(*) AS n FROM bench.activity_dups'),
      sessions: await count('SELECT count(*) AS n FROM al.entity_sessions'),
      leads: await count('SELECT count(*) AS n FROM al.leads'),
    };
    await trx.raw('INSERT INTO bench.meta (version, activity_rows, duplicate_rows, sessions, leads) VALUES (?, ?, ?, ?, ?)', [
      BENCH_DATA_VERSION,
      info.activityRows,
      info.duplicateRows,
      info.sessions,
      info.leads,
    ]);
  });
  await pg.raw('VACUUM ANALYZE al.orgs, al.entities, al.entity_sessions, al.activity_dt, al.leads');
  const info = await ensureBenchData(pg, log);
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { ...info, seededNow: true };
}

/** Put the duplicate rows back (ingested now) and vacuum, so every truncate measurement starts alike. */
export async function restoreDuplicates(pg: Knex): Promise<void> {
  await pg.raw('INSERT INTO al.activity_dt (session_id, sub_entity_id, event_type, occurred_at, time_spent_ms) SELECT * FROM bench.activity_dups');
  await pg.raw('VACUUM ANALYZE al.activity_dt');
}
