import { createHash } from 'node:crypto';

/**
 * A BullMQ-safe job id from an idempotency key or SQS MessageId: `:` is BullMQ's key separator
 * and all-digit custom ids are refused, so ids are prefixed and percent-encoded (injective:
 * distinct keys never share an id). Very long keys are hashed.
 */
export function jobIdFor(key: string): string {
  const encoded = key.replace(/%/g, '%25').replace(/:/g, '%3A');
  if (encoded.length <= 200) return `k-${encoded}`;
  return `h-${createHash('sha256').update(key).digest('hex')}`;
}
