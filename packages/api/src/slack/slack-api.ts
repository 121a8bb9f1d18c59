/** Block Kit blocks of one unfurled URL. */
export interface Unfurl {
  blocks: Array<Record<string, unknown>>;
}

export type UnfurlTarget = { channel: string; ts: string } | { unfurl_id: string; source: string };

export class SlackApiError extends Error {
  override readonly name = 'SlackApiError';
  readonly error: string;
  constructor(method: string, error: string) {
    super(`Slack ${method} failed: ${error}`);
    this.error = error;
  }
}

/**
 * The Slack Web API methods the API calls (`chat.unfurl`), with the bot token. Slack answers
 * HTTP 200 with `{"ok": false, "error": ...}` for failures: those are errors here.
 */
export class SlackApi {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(opts: { baseUrl: string; token: string; timeoutMs: number }) {
    this.#base = opts.baseUrl.replace(/\/+$/, '');
    this.#token = opts.token;
    this.#timeoutMs = opts.timeoutMs;
  }

  async chatUnfurl(target: UnfurlTarget, unfurls: Record<string, Unfurl>): Promise<void> {
    await this.#call('chat.unfurl', { ...target, unfurls });
  }

  async #call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.#base}/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(this.#timeoutMs),
      redirect: 'error',
    });
    if (res.status === 429) throw new SlackApiError(method, `ratelimited (retry after ${res.headers.get('retry-after') ?? '?'} s)`);
    const body = (await res.json().catch(() => ({ ok: false, error: `http_${res.status}` }))) as Record<string, unknown>;
    if (body['ok'] !== true) throw new SlackApiError(method, typeof body['error'] === 'string' ? body['error'] : `http_${res.status}`);
    return body;
  }
}
