import { createHash } from 'node:crypto';
import type { Knex } from '@fable-jobs/db';

export type ActivityEventType = 'view' | 'cta_click' | 'complete';

export interface SeedEvent {
  sub: string;
  type: ActivityEventType;
  at: string;
  /** Time spent on the step (views). */
  ms?: number;
  /** Rows written for this one event (default 1): more are duplicates, as a retried beacon leaves them. */
  copies?: number;
}

export interface SeedSession {
  /** A label (e.g. "A1"); the session id is a UUID derived from it (`sessionUuid`). */
  label: string;
  entityId: number;
  visitorId: string;
  startedAt: string;
  events: SeedEvent[];
}

export interface SeedLead {
  orgId: number;
  entityId: number;
  session: string;
  visitorId: string;
  email: string;
  firstName?: string;
  lastName?: string;
  capturedAt: string;
}

export interface AnalyticsSeed {
  orgs?: Array<{ id: number; name: string }>;
  entities?: Array<{ id: number; orgId: number; rid: string; name: string }>;
  sessions?: SeedSession[];
  leads?: SeedLead[];
}

/** A stable UUID for a session label, so tests can refer to sessions by name. */
export function sessionUuid(label: string): string {
  const h = createHash('sha256').update(`fable-session:${label}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Empty every analytics table (the analytics tests' own data), run records included. */
export async function clearAnalytics(knex: Knex): Promise<void> {
  await knex.raw(
    'TRUNCATE al.house_lead_metrics, al.house_lead_visitor, al.house_lead, al.leads, al.activity_dt, al.entity_sessions, al.entities, al.orgs, al.job_runs RESTART IDENTITY',
  );
}

/** Insert a data set; returns how many activity rows were written and how many of them are duplicates. */
export async function seedAnalytics(knex: Knex, seed: AnalyticsSeed): Promise<{ activityRows: number; duplicateRows: number }> {
  let activityRows = 0;
  let duplicateRows = 0;
  await knex.transaction(async (trx) => {
    if (seed.orgs?.length) await trx('al.orgs').insert(seed.orgs.map((o) => ({ id: o.id, name: o.name })));
    if (seed.entities?.length) await trx('al.entities').insert(seed.entities.map((e) => ({ id: e.id, org_id: e.orgId, rid: e.rid, name: e.name })));
    const sessions = seed.sessions ?? [];
    if (sessions.length) {
      const orgOf = new Map<number, number>();
      for (const row of (await trx('al.entities').select('id', 'org_id')) as Array<{ id: string | number; org_id: string | number }>) orgOf.set(Number(row.id), Number(row.org_id));
      await trx('al.entity_sessions').insert(
        sessions.map((s) => {
          const org = orgOf.get(s.entityId);
          if (org === undefined) throw new Error(`session ${s.label}: entity ${s.entityId} does not exist`);
          return { id: sessionUuid(s.label), org_id: org, entity_id: s.entityId, visitor_id: s.visitorId, started_at: s.startedAt };
        }),
      );
      const events = sessions.flatMap((s) =>
        s.events.flatMap((e) => {
          const copies = e.copies ?? 1;
          activityRows += copies;
          duplicateRows += copies - 1;
          return Array.from({ length: copies }, () => ({ session_id: sessionUuid(s.label), sub_entity_id: e.sub, event_type: e.type, occurred_at: e.at, time_spent_ms: e.ms ?? 0 }));
        }),
      );
      for (let i = 0; i < events.length; i += 1000) await trx('al.activity_dt').insert(events.slice(i, i + 1000));
    }
    if (seed.leads?.length) {
      await trx('al.leads').insert(
        seed.leads.map((l) => ({
          org_id: l.orgId,
          entity_id: l.entityId,
          session_id: sessionUuid(l.session),
          visitor_id: l.visitorId,
          email: l.email,
          first_name: l.firstName ?? null,
          last_name: l.lastName ?? null,
          captured_at: l.capturedAt,
        })),
      );
    }
  });
  return { activityRows, duplicateRows };
}
