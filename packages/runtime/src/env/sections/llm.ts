import { SettingError, v } from '../define.ts';

export interface AnthropicAccount {
  account: string;
  key: string;
}

/** `acct|key;acct|key` (the old service's ANTHORIPC_KEY format). */
function parseAccounts(raw: string): AnthropicAccount[] {
  return raw
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const bar = entry.indexOf('|');
      const account = bar === -1 ? `account-${i + 1}` : entry.slice(0, bar).trim();
      const key = bar === -1 ? entry : entry.slice(bar + 1).trim();
      if (!key) throw new SettingError(`entry ${i + 1}: missing key (format acct|key;acct|key)`);
      return { account, key };
    });
}

/** USD per million tokens of one model family. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

function parsePricing(raw: string): Record<string, ModelPrice> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SettingError('must be JSON like {"claude-sonnet-4":{"input":3,"output":15,"cacheWrite":3.75,"cacheRead":0.3}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SettingError('must be a JSON object keyed by model name prefix');
  for (const [model, p] of Object.entries(parsed)) {
    const price = p as Record<string, unknown>;
    for (const k of ['input', 'output', 'cacheWrite', 'cacheRead']) {
      if (typeof price?.[k] !== 'number' || (price[k] as number) < 0) throw new SettingError(`${model}.${k}: must be a non-negative number (USD per million tokens)`);
    }
  }
  return parsed as Record<string, ModelPrice>;
}

const TABLE = /^[A-Za-z0-9_]{1,64}$/;
const table = (names: string[], fallback: string, doc: string) => v.string(names, { default: fallback, pattern: TABLE, patternDoc: 'a plain table name', doc });

export const llm = {
  anthropicAccounts: v.custom(['ANTHORIPC_KEY', 'ANTHROPIC_KEYS'], { default: [], secret: true, secretValues: (accounts) => accounts.map((a) => a.key), describe: () => '', example: 'main|sk-ant-...;backup|sk-ant-...', doc: 'Anthropic accounts, `account|key` separated by `;` (the old misspelt name is accepted).' }, parseAccounts),
  openaiKey: v.optionalString(['OPENAI_KEY', 'OPENAI_API_KEY'], { secret: true, doc: 'OpenAI API key (text-to-speech).' }),
  auth0Audiences: v.list(['AUTH0_AUDIENCES'], { default: [], doc: 'Accepted JWT audiences (comma list).' }),
  auth0IssuerUrl: v.optionalUrl(['AUTH0_ISSUER_URL'], { protocols: ['https', 'http'], doc: 'Auth0 issuer; JWKS is fetched from <issuer>/.well-known/jwks.json.' }),
  auth0ClockToleranceSeconds: v.int(['AUTH0_CLOCK_TOLERANCE_SECONDS'], { default: 10, min: 0, max: 300, doc: 'Clock skew allowed when checking a JWT exp/nbf.' }),
  auth0JwksCacheTtlMs: v.int(['AUTH0_JWKS_CACHE_TTL_MS'], { default: 600_000, min: 1000, doc: 'How long a verified signing key is trusted before it is fetched again.' }),
  auth0JwksMinRefetchMs: v.int(['AUTH0_JWKS_MIN_REFETCH_MS'], { default: 10_000, min: 0, doc: 'An unknown key id (kid) refetches the JWKS at most once per this interval.' }),
  auth0JwksTimeoutMs: v.int(['AUTH0_JWKS_TIMEOUT_MS'], { default: 5000, min: 100, doc: 'Timeout of a JWKS fetch.' }),

  anthropicBaseUrl: v.url(['LLM_ANTHROPIC_BASE_URL', 'ANTHROPIC_BASE_URL'], { default: 'https://api.anthropic.com', protocols: ['https', 'http'], doc: 'Base URL of the Anthropic API (the SDK adds /v1/messages).' }),
  anthropicVersion: v.string(['LLM_ANTHROPIC_VERSION'], { default: '2023-06-01', pattern: /^\d{4}-\d{2}-\d{2}$/, patternDoc: 'a date like 2023-06-01', doc: 'anthropic-version header sent with every request.' }),
  model: v.string(['LLM_MODEL'], { default: 'claude-sonnet-5-5', doc: 'Model of every /v1/f/llmops operation.' }),
  allowedModels: v.list(['LLM_ALLOWED_MODELS'], { default: [], doc: 'Models a request may ask for in its `model` field (comma list); others get LLM_MODEL.' }),
  maxTokens: v.int(['LLM_MAX_TOKENS'], { default: 8192, min: 256, max: 64_000, doc: 'max_tokens of every model request.' }),
  requestTimeoutMs: v.int(['LLM_REQUEST_TIMEOUT_MS'], { default: 120_000, min: 1000, doc: 'Timeout of one model request (one account attempt).' }),
  requestsPerMinute: v.int(['LLM_REQUESTS_PER_MINUTE'], { default: 50, min: 1, doc: 'Model requests per minute across every llm worker (Redis token bucket).' }),
  tokensPerMinute: v.int(['LLM_TOKENS_PER_MINUTE'], { default: 400_000, min: 1000, doc: 'Input + output tokens per minute across every llm worker (reserved before a call, settled after).' }),
  rateBurstSeconds: v.int(['LLM_RATE_BURST_SECONDS'], { default: 10, min: 1, max: 60, doc: 'How many seconds of the per-minute budgets may go out at once (bucket size); the rest is spread out.' }),
  pricing: v.custom(['LLM_PRICING'], { default: {}, describe: () => '{}', doc: 'USD per million tokens by model-name prefix, JSON; merged over the built-in Claude prices.' }, parsePricing),
  privateBucket: v.string(['LLM_PRIVATE_BUCKET', 'AWS_PRIVATE_S3_BUCKET'], { default: 'fable-private', doc: 'Private bucket holding the screen images (refsForMMV) sent to the model.' }),
  maxImages: v.int(['LLM_MAX_IMAGES'], { default: 50, min: 1, max: 100, doc: 'Most screen images one request may send.' }),
  maxImageBytes: v.int(['LLM_MAX_IMAGE_BYTES'], { default: 5 * 1024 * 1024, min: 1024, doc: 'Largest screen image sent to the model (the Messages API limit is 5 MB).' }),
  routeWaitMs: v.int(['LLM_ROUTE_WAIT_MS'], { default: 180_000, min: 100, doc: 'How long /v1/f/llmops waits for its job before answering 504 (Prefer: respond-async does not wait).' }),

  openaiBaseUrl: v.url(['LLM_OPENAI_BASE_URL', 'OPENAI_BASE_URL'], { default: 'https://api.openai.com/v1', protocols: ['https', 'http'], doc: 'Base URL of the OpenAI API (with /v1).' }),
  ttsModel: v.string(['LLM_TTS_MODEL'], { default: 'gpt-4o-mini-tts', doc: 'OpenAI speech model of /v1/f/aud/gen.' }),
  ttsTimeoutMs: v.int(['LLM_TTS_TIMEOUT_MS'], { default: 60_000, min: 1000, doc: 'Timeout of one speech request.' }),
  demoIndexCacheMs: v.int(['LLM_DEMO_INDEX_CACHE_MS'], { default: 60_000, min: 0, doc: 'How long a demo index read from the asset bucket is reused.' }),
  audioPublicBaseUrl: v.optionalUrl(['LLM_AUDIO_PUBLIC_BASE_URL', 'ASSET_CDN_BASE_URL'], { protocols: ['https', 'http'], doc: 'Public (CDN) base URL of the asset bucket, for audio stored there (unset: a /key path is returned).' }),
  mainApiTimeoutMs: v.int(['LLM_MAIN_API_TIMEOUT_MS'], { default: 10_000, min: 100, doc: 'Timeout of calls to the main API server (run reports, credits, upload links, config).' }),

  slackApiBaseUrl: v.url(['SLACK_API_BASE_URL'], { default: 'https://slack.com/api', protocols: ['https', 'http'], doc: 'Base URL of the Slack Web API.' }),
  slackSigningSecret: v.optionalString(['SLACK_SIGNING_SECRET'], { secret: true, doc: 'Slack app signing secret; every /v1/slack request is verified with it (unset: Slack routes answer 503).' }),
  slackAllowedUserIds: v.list(['SLACK_ALLOWED_USER_IDS', 'SLACK_PANGO_USERS'], { default: [], doc: 'Slack user ids allowed to run the pango slash commands (comma list).' }),
  platformUsersTable: table(['PLATFORM_USERS_TABLE'], 'users', 'Main platform table of users (id, email, first_name, last_name), read by /pango/user-details.'),
  platformOrgsTable: table(['PLATFORM_ORGS_TABLE'], 'orgs', 'Main platform table of orgs (id, display_name, feature_gate_override JSON).'),
  platformUserOrgsTable: table(['PLATFORM_USER_ORGS_TABLE'], 'user_orgs', 'Main platform table linking users and orgs (user_id, org_id, role).'),
  platformSubscriptionsTable: table(['PLATFORM_SUBSCRIPTIONS_TABLE'], 'subscriptions', 'Main platform table of subscriptions (org_id, payment_plan, payment_interval, status).'),
};
