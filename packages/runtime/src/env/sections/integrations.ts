import { SettingError, v } from '../define.ts';

/** `PLAN=campaignId,PLAN=campaignId` (several plans may share one campaign). */
function parsePlanCampaigns(raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const plan = eq === -1 ? '' : entry.slice(0, eq).trim();
    const id = eq === -1 ? '' : entry.slice(eq + 1).trim();
    if (!plan || !/^\d{1,18}$/.test(id)) throw new SettingError(`entry ${JSON.stringify(entry)}: must be PLAN=campaignId (a number)`);
    out[plan] = Number(id);
  }
  return out;
}

/** Addresses the webhook SSRF guard lets through in tests: `ip` or `ip:port`, `[v6]:port`. */
function parseAllowlist(raw: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[0-9.]+)(:\d{1,5})?$/.test(entry)) throw new SettingError(`entry ${JSON.stringify(entry)}: must be an IP address, optionally with :port ([v6]:port)`);
  }
  return list;
}

// The old service's plan → SmartLead campaign map.
const DEFAULT_PLAN_CAMPAIGNS =
  'SOLO=381455,STARTUP=381761,BUSINESS=381761,LIFETIME_TIER1=381576,LIFETIME_TIER2=381741,LIFETIME_TIER3=381747,LIFETIME_TIER4=424055,LIFETIME_TIER5=424065';

export const integrations = {
  // Main API server.
  apiServerEndpoint: v.optionalUrl(['API_SERVER_ENDPOINT', 'MAIN_API_URL'], { protocols: ['http', 'https'], doc: 'Base URL of the main API server (paths under /v1).' }),
  apiServerToken: v.optionalString(['API_SERVER_TOKEN', 'FABLE_SERVICE_TOKEN'], { secret: true, doc: 'Internal service token sent to the main API server on every call, when set.' }),
  apiServerTokenHeader: v.string(['API_SERVER_TOKEN_HEADER'], { default: 'X-Fable-Service-Token', pattern: /^[A-Za-z0-9-]{1,64}$/, patternDoc: 'an HTTP header name', doc: 'Header that carries API_SERVER_TOKEN.' }),

  // Slack incoming webhook (signup / ebook notifications).
  slackWebhookUrl: v.optionalUrl(['SLACK_WEBHOOK_URL'], { protocols: ['https', 'http'], secret: true, doc: 'Slack incoming-webhook URL for NF notifications (the URL is the credential).' }),
  slackBotToken: v.optionalString(['SLACK_FABLE_BOT_BOT_USER_TOKEN', 'SLACK_BOT_TOKEN'], { secret: true, doc: 'Slack bot user token (chat.unfurl).' }),

  // Mailchimp Marketing API v3.
  mailchimpApiKey: v.optionalString(['MAILCHIMP_API_KEY'], { secret: true, doc: 'Mailchimp Marketing API key (its -usNN suffix names the data centre).' }),
  mailchimpServerPrefix: v.optionalString(['MAILCHIP_SERVER_PREFIX', 'MAILCHIMP_SERVER_PREFIX'], { doc: 'Mailchimp data-centre prefix, e.g. us21 (default: the API key suffix).' }),
  mailchimpBaseUrl: v.optionalUrl(['MAILCHIMP_BASE_URL'], { protocols: ['https', 'http'], doc: 'Mailchimp API base URL (default https://<prefix>.api.mailchimp.com).' }),
  mailchimpListId: v.optionalString(['MAILCHIMP_LIST_ID', 'MAILCHIMP_AUDIENCE_ID'], { doc: 'Audience (list) id new signups are upserted into.' }),
  mailchimpTag: v.string(['MAILCHIMP_SIGNUP_TAG'], { default: 'Free Trial Signup', doc: 'Tag given to every new signup in the audience.' }),

  // Cobalt.
  cobaltApiKey: v.optionalString(['COBALT_API_KEY'], { secret: true, doc: 'Cobalt API key (x-api-key).' }),
  cobaltBaseUrl: v.url(['COBALT_BASE_URL'], { default: 'https://api.gocobalt.io', protocols: ['https', 'http'], doc: 'Cobalt API base URL.' }),
  cobaltWebhookId: v.optionalString(['COBALT_WEBHOOK_ID'], { doc: 'When set, lead events go to the old per-webhook trigger /api/v1/webhook/<id>; else to /api/v2/public/event.' }),

  // SmartLead.
  smartLeadApiKey: v.optionalString(['SMART_LEAD_API_KEY', 'SMARTLEAD_API_KEY'], { secret: true, doc: 'SmartLead API key (sent as the api_key query parameter).' }),
  smartLeadBaseUrl: v.url(['SMARTLEAD_BASE_URL'], { default: 'https://server.smartlead.ai/api/v1', protocols: ['https', 'http'], doc: 'SmartLead API base URL.' }),
  smartLeadPlanCampaigns: v.custom(['SMARTLEAD_PLAN_CAMPAIGNS'], { default: parsePlanCampaigns(DEFAULT_PLAN_CAMPAIGNS), describe: (m) => Object.entries(m).map(([p, id]) => `${p}=${id}`).join(','), doc: 'Plan → SmartLead campaign id, `PLAN=id,PLAN=id`.' }, parsePlanCampaigns),

  // Outbound HTTP to providers.
  connectTimeoutMs: v.int(['INTEGRATIONS_CONNECT_TIMEOUT_MS'], { default: 5000, min: 100, max: 60_000, doc: 'TCP/TLS connect timeout of every outbound call.' }),
  requestTimeoutMs: v.int(['INTEGRATIONS_REQUEST_TIMEOUT_MS'], { default: 15_000, min: 100, max: 300_000, doc: 'Total time allowed for one provider call (Slack, Mailchimp, Cobalt, SmartLead, main API).' }),

  // Tenant webhooks (RUN_INTEGRATION).
  webhookTimeoutMs: v.int(['WEBHOOK_TIMEOUT_MS'], { default: 10_000, min: 100, max: 120_000, doc: 'Total time allowed for one tenant webhook delivery (connect, send, response).' }),
  webhookAllowHttp: v.bool(['WEBHOOK_ALLOW_HTTP'], { default: false, doc: 'Allow plain-http tenant webhook URLs (https only when false).' }),
  webhookTestAllowlist: v.custom(['WEBHOOK_TEST_ALLOWLIST'], { default: [], describe: (l) => l.join(','), doc: 'Tests only: addresses (ip or ip:port) the SSRF guard lets through although they are private or loopback.' }, parseAllowlist),
  webhookMaxRedirects: v.int(['WEBHOOK_MAX_REDIRECTS'], { default: 3, min: 0, max: 10, doc: '307/308 redirects followed per delivery, each re-checked by the SSRF guard (0 = none).' }),
  webhookMaxResponseBytes: v.int(['WEBHOOK_MAX_RESPONSE_BYTES'], { default: 65_536, min: 1024, max: 10_485_760, doc: 'Response bytes read from a tenant endpoint; the rest is discarded.' }),
  webhookMaxBodyBytes: v.int(['WEBHOOK_MAX_BODY_BYTES'], { default: 262_144, min: 1024, max: 10_485_760, doc: 'Largest rendered webhook body; larger is a template error.' }),
  webhookTemplateMaxBytes: v.int(['WEBHOOK_TEMPLATE_MAX_BYTES'], { default: 65_536, min: 256, max: 1_048_576, doc: 'Largest tenant body/header template accepted.' }),
  webhookTemplateTimeoutMs: v.int(['WEBHOOK_TEMPLATE_TIMEOUT_MS'], { default: 250, min: 10, max: 10_000, doc: 'Rendering budget of one template; longer is a template error.' }),
  webhookRetryAfterMaxWaitMs: v.int(['WEBHOOK_RETRY_AFTER_MAX_WAIT_MS'], { default: 10_000, min: 0, max: 60_000, doc: 'A tenant 429 with a Retry-After up to this long is waited out before the retry.' }),
  webhookLookupCacheMs: v.int(['WEBHOOK_LOOKUP_CACHE_MS'], { default: 5000, min: 0, max: 300_000, doc: "How long a tenant integration and a demo read from the main API server serve further first attempts (0 = read for every delivery; retries always read fresh)." }),
  webhookSigningSecret: v.optionalString(['WEBHOOK_SIGNING_SECRET'], { secret: true, doc: 'Master key; each integration signs with HMAC(master, integration id) unless its config carries its own signingSecret.' }),
};
