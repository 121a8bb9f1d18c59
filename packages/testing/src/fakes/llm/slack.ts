import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LlmFakeHttpServer, sendJson, type LlmRecordedRequest } from './http.ts';

/**
 * A fake of the Slack Web API method `chat.unfurl` (`POST <base>/chat.unfurl`): bearer bot
 * token, JSON or form-encoded body (`unfurls` a JSON string in forms), `channel`+`ts` or
 * `unfurl_id`+`source`, and Slack's answers — HTTP 200 with `{"ok":true}` or
 * `{"ok":false,"error":"..."}`.
 */
export interface UnfurlCall {
  channel?: string;
  ts?: string;
  unfurl_id?: string;
  source?: string;
  unfurls: Record<string, { blocks?: Array<Record<string, unknown>> }>;
  contentType: string;
  request: LlmRecordedRequest;
}

export class FakeSlack {
  readonly server: LlmFakeHttpServer;
  readonly #token: string;
  readonly #failures: string[] = [];
  readonly unfurls: UnfurlCall[] = [];

  constructor(token: string) {
    this.#token = token;
    this.server = new LlmFakeHttpServer((req, res) => this.#handle(req, res));
  }

  /** Base URL to configure (SLACK_API_BASE_URL). */
  get url(): string {
    return `${this.server.url}/api`;
  }

  /** The next chat.unfurl answers `{"ok":false,"error":code}`. */
  failNext(code: string): this {
    this.#failures.push(code);
    return this;
  }

  /** Wait for the chat.unfurl call that unfurls `url`. */
  async waitForUnfurl(url: string, timeoutMs = 15_000): Promise<UnfurlCall> {
    await this.server.waitFor((r) => r.path === '/api/chat.unfurl' && this.unfurls.some((u) => u.request === r && url in u.unfurls), timeoutMs);
    return this.unfurls.find((u) => url in u.unfurls) as UnfurlCall;
  }

  #handle(req: LlmRecordedRequest, res: ServerResponse): void {
    const reply = (body: Record<string, unknown>) => sendJson(res, 200, body);
    if (req.method !== 'POST' || req.path !== '/api/chat.unfurl') return reply({ ok: false, error: 'unknown_method' });
    const auth = req.headers.authorization;
    if (!auth) return reply({ ok: false, error: 'not_authed' });
    if (auth !== `Bearer ${this.#token}`) return reply({ ok: false, error: 'invalid_auth' });
    const type = String(req.headers['content-type'] ?? '');
    let args: Record<string, unknown>;
    if (/^application\/json/i.test(type)) {
      if (!req.json) return reply({ ok: false, error: 'invalid_json' });
      args = req.json as Record<string, unknown>;
    } else if (/^application\/x-www-form-urlencoded/i.test(type)) {
      args = Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
      if (typeof args['unfurls'] === 'string') {
        try {
          args['unfurls'] = JSON.parse(args['unfurls']);
        } catch {
          return reply({ ok: false, error: 'invalid_unfurls' });
        }
      }
    } else return reply({ ok: false, error: 'invalid_form_data' });
    const byTs = typeof args['channel'] === 'string' && typeof args['ts'] === 'string';
    const byId = typeof args['unfurl_id'] === 'string' && typeof args['source'] === 'string';
    if (!byTs && !byId) return reply({ ok: false, error: args['channel'] ? 'missing_ts' : 'missing_channel' });
    const unfurls = args['unfurls'];
    if (typeof unfurls !== 'object' || unfurls === null || Array.isArray(unfurls)) return reply({ ok: false, error: 'invalid_unfurls' });
    const failure = this.#failures.shift();
    this.unfurls.push({
      ...(byTs ? { channel: args['channel'] as string, ts: args['ts'] as string } : { unfurl_id: args['unfurl_id'] as string, source: args['source'] as string }),
      unfurls: unfurls as UnfurlCall['unfurls'],
      contentType: type,
      request: req,
    });
    if (failure) return reply({ ok: false, error: failure });
    reply({ ok: true, ...(/charset=/i.test(type) || !/json/i.test(type) ? {} : { warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } }) });
  }
}

export async function startFakeSlack(token: string): Promise<FakeSlack> {
  const fake = new FakeSlack(token);
  await fake.server.listen();
  return fake;
}

/** The headers Slack sends with a request: v0 HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
export function slackSignature(secret: string, rawBody: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const ts = String(timestampSeconds);
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig };
}
