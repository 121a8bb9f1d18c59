import { RecordingServer, type RecordedRequest } from './recording-server.ts';

const HOOK_PATH = '/services/T0FAKE0001/B0FAKE0001/fakeWebhookToken000000001';

/**
 * Slack incoming webhook (hooks.slack.com/services/T…/B…/…): POST JSON with `text` and/or
 * `blocks`; answers `200 ok` (text/plain), or a status with a short error string:
 * 400 invalid_payload / no_text, 404 no_service for an unknown hook.
 */
export class FakeSlackWebhook extends RecordingServer {
  constructor() {
    super((r) => {
      const plain = { 'content-type': 'text/plain; charset=utf-8' };
      if (r.method !== 'POST' || r.path !== HOOK_PATH) return { status: 404, headers: plain, body: 'no_service' };
      if (!r.headers['content-type']?.startsWith('application/json') || r.json === undefined || typeof r.json !== 'object') return { status: 400, headers: plain, body: 'invalid_payload' };
      const m = r.json as { text?: unknown; blocks?: unknown };
      if (!m.text && !Array.isArray(m.blocks)) return { status: 400, headers: plain, body: 'no_text' };
      return { status: 200, headers: plain, body: 'ok' };
    });
  }

  /** The URL to configure as SLACK_WEBHOOK_URL. */
  get webhookUrl(): string {
    return `${this.url}${HOOK_PATH}`;
  }

  get hookPath(): string {
    return HOOK_PATH;
  }

  /** Messages posted to the hook. */
  messages(): RecordedRequest[] {
    return this.received(`POST ${HOOK_PATH}`);
  }
}
