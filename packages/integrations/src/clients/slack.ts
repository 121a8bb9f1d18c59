import { PermanentError, RetryableError } from '@fable-jobs/contracts';
import { ProviderGate } from '../http/provider-gate.ts';
import type { Provider, ProviderHttp } from '../http/provider-http.ts';
import { notConfigured, type IntegrationsSettings } from '../settings.ts';

// Slack's section text limit.
const MAX_TEXT = 3000;

/** Slack mrkdwn needs &, < and > escaped; a value must not close the code block either. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/```/g, "'''");
}

/**
 * The notification the old service posted: a mrkdwn code block with the event name, each
 * payload field (without its `payload_` prefix, sorted: attribute order is not kept by SQS) and
 * the environment.
 */
export function slackMessage(eventName: string, fields: Record<string, string>, env: string): { text: string; blocks: unknown[] } {
  const lines = [`event_name: ${eventName}`, ...Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}: ${v}`), `env: ${env}`].map(escapeMrkdwn);
  let body = lines.join('\n');
  if (body.length > MAX_TEXT - 8) body = `${body.slice(0, MAX_TEXT - 9)}…`;
  return {
    text: escapeMrkdwn(`${eventName} (${env})`),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`\n${body}\n\`\`\`` } }],
  };
}

/** What Slack's error strings mean, for failure reasons a human can act on. */
const SLACK_ERRORS: Record<string, string> = {
  invalid_payload: 'Slack could not read the message',
  no_text: 'the message had no text',
  user_not_found: 'the user does not exist',
  action_prohibited: 'the workspace does not allow this webhook to post here',
  channel_not_found: 'the channel of SLACK_WEBHOOK_URL no longer exists',
  channel_is_archived: 'the channel of SLACK_WEBHOOK_URL is archived',
  no_service: 'the incoming webhook is disabled or revoked; create a new one and update SLACK_WEBHOOK_URL',
  invalid_token: 'the incoming webhook URL is invalid; update SLACK_WEBHOOK_URL',
};

/** Slack incoming webhook: POST JSON, `200 ok`; errors are a status code and a short string. */
export class SlackWebhookClient {
  readonly #http: ProviderHttp;
  readonly #s: IntegrationsSettings;
  readonly provider: Provider = { name: 'Slack', code: 'SLACK', gate: new ProviderGate('Slack'), defaultRetryAfterMs: 30_000 };

  constructor(http: ProviderHttp, settings: IntegrationsSettings) {
    this.#http = http;
    this.#s = settings;
  }

  async post(message: { text: string; blocks: unknown[] }, signal?: AbortSignal): Promise<void> {
    const url = this.#s.slackWebhookUrl;
    if (!url) throw notConfigured('The Slack incoming webhook', 'SLACK_WEBHOOK_URL');
    const res = await this.#http.call(this.provider, { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal }, 'incoming webhook');
    if (res.status === 200) return;
    const error = res.body.trim().slice(0, 64);
    const meaning = SLACK_ERRORS[error];
    if (res.status >= 400 && res.status < 500) {
      throw new PermanentError(`Slack answered ${res.status} ${error || '(no body)'}${meaning ? `: ${meaning}` : ''}`, { code: `SLACK_${res.status === 400 ? 'INVALID_PAYLOAD' : 'REJECTED'}` });
    }
    throw new RetryableError(`Slack answered an unexpected ${res.status} ${error}`, { code: 'SLACK_UNEXPECTED' });
  }
}
