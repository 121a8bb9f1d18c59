import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'bad';

/** Slack refuses (and so do we) requests signed more than five minutes ago. */
export const SLACK_MAX_AGE_SECONDS = 300;

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with
 * the app's signing secret, compared in constant time.
 */
export function checkSlackSignature(secret: string, timestamp: string | undefined, signature: string | undefined, rawBody: string, nowSeconds = Date.now() / 1000): SignatureCheck {
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !/^v0=[0-9a-f]{64}$/.test(signature)) return 'missing';
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_AGE_SECONDS) return 'stale';
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'bad';
}
