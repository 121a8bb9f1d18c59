import { createHash, randomUUID } from 'node:crypto';
import { RecordingServer, type FakeResponse, type RecordedRequest } from './recording-server.ts';

export interface FakeMailchimpMember {
  id: string;
  email_address: string;
  status: string;
  merge_fields: Record<string, string>;
  tags: string[];
}

/**
 * Mailchimp Marketing API v3 (https://<dc>.api.mailchimp.com/3.0): HTTP basic auth with the API
 * key as password; PUT /lists/{list_id}/members/{subscriber_hash} adds or updates (status_if_new
 * for a new member), POST …/tags answers 204; errors are application/problem+json
 * {type, title, status, detail, instance}.
 */
export class FakeMailchimp extends RecordingServer {
  readonly members = new Map<string, FakeMailchimpMember>();
  readonly apiKey: string;
  readonly listId: string;

  constructor(opts: { apiKey?: string; listId?: string } = {}) {
    const apiKey = opts.apiKey ?? 'fakemailchimpkey0000000000000000-us21';
    const listId = opts.listId ?? 'a1b2c3d4e5';
    super((r) => this.#route(r));
    this.apiKey = apiKey;
    this.listId = listId;
  }

  static problem(status: number, title: string, detail: string): FakeResponse {
    return {
      status,
      headers: { 'content-type': 'application/problem+json; charset=utf-8' },
      body: JSON.stringify({ type: 'https://mailchimp.com/developer/marketing/docs/errors/', title, status, detail, instance: randomUUID() }),
    };
  }

  #route(r: RecordedRequest): FakeResponse {
    const auth = r.headers['authorization'] ?? '';
    const password = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    if (password !== this.apiKey) return FakeMailchimp.problem(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.");
    const m = /^\/3\.0\/lists\/([^/]+)\/members\/([^/]+)(\/tags)?$/.exec(r.path);
    if (!m) return FakeMailchimp.problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    const [, list, hash = '', tags] = m;
    if (list !== this.listId) return FakeMailchimp.problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    const body = (r.json ?? {}) as Record<string, unknown>;
    if (tags) {
      if (r.method !== 'POST') return FakeMailchimp.problem(405, 'Method Not Allowed', 'The requested method and resource are not compatible.');
      const member = this.members.get(hash);
      if (!member) return FakeMailchimp.problem(404, 'Resource Not Found', 'The requested resource could not be found.');
      for (const t of (body['tags'] as Array<{ name: string; status: string }>) ?? []) {
        if (t.status === 'active' && !member.tags.includes(t.name)) member.tags.push(t.name);
        if (t.status === 'inactive') member.tags = member.tags.filter((x) => x !== t.name);
      }
      return { status: 204 };
    }
    if (r.method !== 'PUT') return FakeMailchimp.problem(405, 'Method Not Allowed', 'The requested method and resource are not compatible.');
    const email = typeof body['email_address'] === 'string' ? body['email_address'] : '';
    if (!email.includes('@')) return FakeMailchimp.problem(400, 'Invalid Resource', 'Please provide a valid email address.');
    if (createHash('md5').update(email.toLowerCase()).digest('hex') !== hash) return FakeMailchimp.problem(400, 'Invalid Resource', 'The email address does not match the subscriber hash.');
    const existing = this.members.get(hash);
    if (!existing && typeof body['status_if_new'] !== 'string' && typeof body['status'] !== 'string') {
      return FakeMailchimp.problem(400, 'Invalid Resource', "The resource submitted could not be validated. For field-specific details, see the 'errors' array.");
    }
    const member: FakeMailchimpMember = existing ?? { id: hash, email_address: email, status: String(body['status'] ?? body['status_if_new']), merge_fields: {}, tags: [] };
    member.email_address = email;
    if (existing && typeof body['status'] === 'string') member.status = body['status'];
    Object.assign(member.merge_fields, (body['merge_fields'] as Record<string, string>) ?? {});
    this.members.set(hash, member);
    return { status: 200, body: { ...member, list_id: this.listId, unique_email_id: hash.slice(0, 10), tags: member.tags.map((name) => ({ id: 1, name })) } };
  }
}
