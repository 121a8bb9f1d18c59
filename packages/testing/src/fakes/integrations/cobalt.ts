import { randomBytes } from 'node:crypto';
import { RecordingServer, type FakeResponse, type RecordedRequest } from './recording-server.ts';

/**
 * Cobalt public API (https://api.gocobalt.io): header x-api-key on every call.
 * POST /api/v2/public/linked-account {linked_account_id, name?} → 200 the account; an id that
 * exists → 400 {"message": "…already exists"}. Events for a linked account (header
 * linked_account_id): POST /api/v2/public/event, or the per-webhook trigger
 * /api/v1/webhook/{id}, body {event, payload} → 200 {"message":"Webhook Fired Success"}.
 */
export class FakeCobalt extends RecordingServer {
  readonly apiKey: string;
  readonly linkedAccounts = new Set<string>();

  constructor(opts: { apiKey?: string } = {}) {
    super((r) => this.#route(r));
    this.apiKey = opts.apiKey ?? 'fake-cobalt-key-0001';
  }

  #route(r: RecordedRequest): FakeResponse {
    if (r.headers['x-api-key'] !== this.apiKey) return { status: 401, body: { message: 'Invalid API key' } };
    const body = (r.json ?? {}) as Record<string, unknown>;
    if (r.method === 'POST' && r.path === '/api/v2/public/linked-account') {
      const id = body['linked_account_id'];
      if (typeof id !== 'string' || !id) return { status: 400, body: { message: 'linked_account_id is required' } };
      if (this.linkedAccounts.has(id)) return { status: 400, body: { message: `Linked account with id ${id} already exists` } };
      this.linkedAccounts.add(id);
      const now = new Date().toISOString();
      return { status: 200, body: { _id: randomBytes(12).toString('hex'), associated_org: randomBytes(12).toString('hex'), account_id: id, environment: 'test', name: body['name'] ?? id, udf: [], createdAt: now, updatedAt: now, __v: 0 } };
    }
    if (r.method === 'POST' && (r.path === '/api/v2/public/event' || /^\/api\/v1\/webhook\/[^/]+$/.test(r.path))) {
      if (!r.headers['linked_account_id']) return { status: 400, body: { message: 'linked_account_id header is required' } };
      if (typeof body['event'] !== 'string') return { status: 400, body: { message: 'event is required' } };
      return { status: 200, body: { message: 'Webhook Fired Success' } };
    }
    return { status: 404, body: { message: 'Not Found' } };
  }

  /** Events received, as {linkedAccountId, event, payload}. */
  events(): Array<{ linkedAccountId: string | undefined; event: unknown; payload: unknown; request: RecordedRequest }> {
    return this.requests
      .filter((r) => r.path === '/api/v2/public/event' || r.path.startsWith('/api/v1/webhook/'))
      .map((r) => ({ linkedAccountId: r.headers['linked_account_id'], event: (r.json as { event?: unknown })?.event, payload: (r.json as { payload?: unknown })?.payload, request: r }));
  }
}
