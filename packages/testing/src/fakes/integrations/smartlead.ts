import { RecordingServer, type FakeResponse, type RecordedRequest } from './recording-server.ts';

export interface FakeCampaign {
  id: number;
  name: string;
  status: string;
  leads: Array<{ email: string; first_name?: string; last_name?: string }>;
}

/**
 * SmartLead API (https://server.smartlead.ai/api/v1): the key in the `api_key` query parameter;
 * GET /campaigns/{id} → the campaign (404 when unknown); POST /campaigns/{id}/leads
 * {lead_list, settings} → {ok, upload_count, total_leads, already_added_to_campaign, …}.
 */
export class FakeSmartLead extends RecordingServer {
  readonly apiKey: string;
  readonly campaigns = new Map<number, FakeCampaign>();

  constructor(opts: { apiKey?: string; campaigns?: number[] } = {}) {
    super((r) => this.#route(r));
    this.apiKey = opts.apiKey ?? 'fake-smartlead-key-0001';
    for (const id of opts.campaigns ?? []) this.campaigns.set(id, { id, name: `Campaign ${id}`, status: 'ACTIVE', leads: [] });
  }

  /** API base URL (…/api/v1). */
  get baseUrl(): string {
    return `${this.url}/api/v1`;
  }

  #route(r: RecordedRequest): FakeResponse {
    if (r.query['api_key'] !== this.apiKey) return { status: 401, body: { message: 'Invalid API Key' } };
    const m = /^\/api\/v1\/campaigns\/(\d+)(\/leads)?$/.exec(r.path);
    if (!m) return { status: 404, body: { message: 'Not Found' } };
    const campaign = this.campaigns.get(Number(m[1]));
    if (!campaign) return { status: 404, body: { message: 'Campaign not found' } };
    if (!m[2] && r.method === 'GET') {
      const now = new Date().toISOString();
      return { status: 200, body: { id: campaign.id, user_id: 1, created_at: now, updated_at: now, status: campaign.status, name: campaign.name, parent_campaign_id: null, client_id: null } };
    }
    if (m[2] && r.method === 'POST') {
      const list = ((r.json ?? {}) as { lead_list?: Array<{ email?: string; first_name?: string; last_name?: string }> }).lead_list;
      if (!Array.isArray(list) || list.length === 0) return { status: 400, body: { message: 'lead_list is required' } };
      let uploaded = 0;
      let already = 0;
      let invalid = 0;
      for (const lead of list) {
        if (!lead.email?.includes('@')) invalid++;
        else if (campaign.leads.some((l) => l.email.toLowerCase() === lead.email?.toLowerCase())) already++;
        else {
          campaign.leads.push({ email: lead.email, ...(lead.first_name ? { first_name: lead.first_name } : {}), ...(lead.last_name ? { last_name: lead.last_name } : {}) });
          uploaded++;
        }
      }
      return { status: 200, body: { ok: true, upload_count: uploaded, total_leads: list.length, already_added_to_campaign: already, duplicate_count: 0, invalid_email_count: invalid, unsubscribed_leads: [] } };
    }
    return { status: 405, body: { message: 'Method Not Allowed' } };
  }
}
