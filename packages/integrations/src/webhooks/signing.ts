import { createHash, createHmac } from 'node:crypto';

export const EVENT_ID_HEADER = 'x-fable-event-id';
export const SIGNATURE_HEADER = 'x-fable-signature';
export const EVENT_HEADER = 'x-fable-event';
export const ATTEMPT_HEADER = 'x-fable-delivery-attempt';

/** A stable id for one logical event: every retry of the job carries the same one. */
export function eventIdFor(scope: string, jobId: string): string {
  return `evt_${createHash('sha256').update(`${scope}\u0000${jobId}`).digest('hex').slice(0, 32)}`;
}

/** The same stable id shaped as a UUID (for payloads whose field is a UUID, like Cobalt's ourEventId). */
export function stableUuid(scope: string, jobId: string): string {
  const h = createHash('sha256').update(`${scope}\u0000${jobId}`).digest('hex');
  // Version 8 (custom) and the RFC 9562 variant bits.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Each integration's signing key: its own configured secret, else derived from the master key. */
export function integrationSecret(master: string, integrationId: string): string {
  return createHmac('sha256', master).update(`tenant-integration:${integrationId}`).digest('hex');
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it with their
 * secret and reject stale timestamps, so a captured request cannot be replayed later.
 */
export function signature(secret: string, body: string, timestampSec: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}
