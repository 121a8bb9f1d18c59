import type { Knex } from '@fable-jobs/db';

/**
 * Table names of the main platform database the pango commands read (configurable: the
 * platform owns them). Assumed columns — users: id, email, first_name, last_name; orgs: id,
 * display_name, feature_gate_override (JSON text); user_orgs: user_id, org_id, role;
 * subscriptions: org_id, payment_plan, payment_interval, status.
 */
export interface PlatformTables {
  users: string;
  orgs: string;
  userOrgs: string;
  subscriptions: string;
}

export interface UserDetails {
  user: { id: number; email: string; firstName: string | null; lastName: string | null };
  orgs: Array<{ id: number; name: string; role: string | null; subscription: { plan: string; interval: string | null; status: string | null } | null }>;
}

export type FeatureOverride = Record<string, boolean | number | string | null>;

/** Reads and the one write the Slack commands make, parameterised (values bound, identifiers quoted). */
export class PlatformRepo {
  readonly #knex: Knex;
  readonly #t: PlatformTables;

  constructor(knex: Knex, tables: PlatformTables) {
    this.#knex = knex;
    this.#t = tables;
  }

  async userDetails(email: string): Promise<UserDetails | undefined> {
    const u = await this.#knex(this.#t.users).select('id', 'email', 'first_name', 'last_name').where('email', email).first();
    if (!u) return undefined;
    const rows = await this.#knex({ uo: this.#t.userOrgs })
      .join({ o: this.#t.orgs }, 'o.id', 'uo.org_id')
      .leftJoin({ s: this.#t.subscriptions }, 's.org_id', 'o.id')
      .where('uo.user_id', u.id)
      .orderBy('o.id')
      .select('o.id as id', 'o.display_name as name', 'uo.role as role', 's.payment_plan as plan', 's.payment_interval as interval', 's.status as status');
    return {
      user: { id: Number(u.id), email: u.email, firstName: u.first_name ?? null, lastName: u.last_name ?? null },
      orgs: rows.map((r: Record<string, unknown>) => ({
        id: Number(r['id']),
        name: String(r['name'] ?? ''),
        role: (r['role'] as string | null) ?? null,
        subscription: r['plan'] ? { plan: String(r['plan']), interval: (r['interval'] as string | null) ?? null, status: (r['status'] as string | null) ?? null } : null,
      })),
    };
  }

  async featureOverride(orgId: number): Promise<{ name: string; override: FeatureOverride | null } | undefined> {
    const o = await this.#knex(this.#t.orgs).select('display_name', 'feature_gate_override').where('id', orgId).first();
    if (!o) return undefined;
    const raw = o.feature_gate_override;
    let override: FeatureOverride | null = null;
    if (raw !== null && raw !== undefined) override = (typeof raw === 'string' ? JSON.parse(raw) : raw) as FeatureOverride;
    return { name: String(o.display_name ?? ''), override };
  }

  /** Returns false when the org does not exist. */
  async setFeatureOverride(orgId: number, override: FeatureOverride): Promise<boolean> {
    const n = await this.#knex(this.#t.orgs).where('id', orgId).update({ feature_gate_override: JSON.stringify(override) });
    return n === 1;
  }
}
