import { RecordingServer, type FakeResponse, type RecordedRequest } from './recording-server.ts';

export interface FakeTenantIntegration {
  org: { id: number; rid?: string; displayName?: string };
  platformIntegration: { id?: number; type: string; name?: string; disabled?: boolean };
  tenantIntegration: { id: number; orgId?: number; disabled?: boolean; event?: string; tourId?: number; tenantConfig: Record<string, unknown> };
}

export interface FakeDemo {
  id: number;
  rid: string;
  displayName: string;
}

const ok = (data: unknown): FakeResponse => ({ status: 200, body: { status: 'Success', data } });
const failure = (status: number, errStr: string, errCode = 100): FakeResponse => ({ status, body: { status: 'Failure', data: null, errStr, errCode } });

/**
 * The main API server's internal routes the jobs service calls, with its `{"status","data"}`
 * envelope: tenant integrations, demos, the application log, demo lock/unlock and republish.
 * When a token is set, every call must carry it in the token header (else 401).
 */
export class FakeMainApi extends RecordingServer {
  readonly integrations = new Map<string, FakeTenantIntegration>();
  readonly demos = new Map<string, FakeDemo>();
  /** orgId → the rids POST /v1/lock answers with. */
  readonly lockAnswers = new Map<string, string[]>();
  readonly locked = new Map<string, boolean>();
  readonly token: string | undefined;
  readonly tokenHeader: string;

  constructor(opts: { token?: string; tokenHeader?: string } = {}) {
    super((r) => this.#route(r));
    this.token = opts.token;
    this.tokenHeader = (opts.tokenHeader ?? 'X-Fable-Service-Token').toLowerCase();
  }

  #route(r: RecordedRequest): FakeResponse {
    if (this.token !== undefined && r.headers[this.tokenHeader] !== this.token) return failure(401, 'Unauthorized');
    let m: RegExpExecArray | null;
    if (r.method === 'GET' && (m = /^\/v1\/fat\/tenant_integration\/([^/]+)$/.exec(r.path))) {
      const it = this.integrations.get(decodeURIComponent(m[1] ?? ''));
      return it ? ok(it) : failure(404, 'Tenant integration not found', 101);
    }
    if (r.method === 'GET' && (m = /^\/v1\/tour\/by\/id\/([^/]+)$/.exec(r.path))) {
      const d = this.demos.get(decodeURIComponent(m[1] ?? ''));
      return d ? ok({ ...d, description: '', lastPublishedDate: null }) : failure(404, 'Tour not found', 101);
    }
    if (r.method === 'POST' && r.path === '/v1/new/log') return ok(null);
    if (r.method === 'POST' && r.path === '/v1/lock') {
      const body = (r.json ?? {}) as { orgId?: unknown; shouldLock?: unknown };
      if (body.orgId === undefined || typeof body.shouldLock !== 'boolean') return failure(400, 'orgId and shouldLock are required');
      this.locked.set(String(body.orgId), body.shouldLock);
      return ok(this.lockAnswers.get(String(body.orgId)) ?? []);
    }
    if (r.method === 'GET' && (m = /^\/v1\/repub\/entity\/rid\/([^/]+)$/.exec(r.path))) {
      const rid = decodeURIComponent(m[1] ?? '');
      return ok({ rid, displayName: rid });
    }
    return failure(404, `no route ${r.method} ${r.path}`);
  }

  /** Application log entries received (POST /v1/new/log bodies). */
  logs(): Array<Record<string, unknown>> {
    return this.received('POST /v1/new/log').map((r) => r.json as Record<string, unknown>);
  }
}
