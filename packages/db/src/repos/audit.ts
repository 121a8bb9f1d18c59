import type { Knex } from 'knex';

export interface AuditEntry {
  actor: string;
  source: 'cli' | 'admin-api' | 'dashboard';
  action: string;
  target: string;
  reason?: string | undefined;
  details?: unknown;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: Date;
}

/** Append-only log of operator actions. */
export class AuditRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  async record(entry: AuditEntry): Promise<number> {
    const [id] = await this.#knex('audit_log').insert({
      actor: entry.actor.slice(0, 128),
      source: entry.source,
      action: entry.action.slice(0, 96),
      target: entry.target.slice(0, 512),
      reason: entry.reason ?? null,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    });
    return Number(id);
  }

  async list(opts: { limit?: number; action?: string; target?: string; since?: Date } = {}): Promise<AuditRow[]> {
    const q = this.#knex('audit_log').orderBy('id', 'desc').limit(Math.min(opts.limit ?? 50, 1000));
    if (opts.action) q.where('action', 'like', `${opts.action.replace(/[\\%_]/g, '\\$&')}%`);
    if (opts.target) q.where('target', opts.target);
    if (opts.since) q.where('at', '>=', opts.since);
    const rows: Array<Record<string, unknown>> = await q;
    return rows.map((r) => ({
      id: Number(r['id']),
      at: r['at'] as Date,
      actor: String(r['actor']),
      source: r['source'] as AuditEntry['source'],
      action: String(r['action']),
      target: String(r['target']),
      reason: (r['reason'] as string | null) ?? undefined,
      details: typeof r['details'] === 'string' ? JSON.parse(r['details']) : (r['details'] ?? undefined),
    }));
  }
}
