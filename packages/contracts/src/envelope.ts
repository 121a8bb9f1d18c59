import { fail, ok, type Result } from './result.ts';
import { isRecord } from './util.ts';
import type { Attributes } from './message-definition.ts';

/** Attribute names with this prefix belong to the old service's internals (its retry counter). */
export const INTERNAL_ATTRIBUTE_PREFIX = '__fable_internal__';
/** Attributes that describe the message, not its payload. */
export const RESERVED_ATTRIBUTES = ['idempotencyKey', 'traceparent', 'tracestate'] as const;

export interface SqsAttributeValue {
  DataType?: string | undefined;
  StringValue?: string | undefined;
}

/** SQS message attributes → their String values (Number too); internal names and binaries dropped. */
export function flattenAttributes(attributes: Record<string, SqsAttributeValue> | undefined): Attributes {
  const out: Attributes = {};
  if (!attributes) return out;
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith(INTERNAL_ATTRIBUTE_PREFIX)) continue;
    if (typeof value?.StringValue === 'string') out[name] = value.StringValue;
  }
  return out;
}

export interface Envelope {
  format: 'legacy' | 'json';
  type: string;
  /** Legacy: the attributes (reserved ones removed). JSON: `data`. */
  data: unknown;
  idempotencyKey?: string;
  traceparent?: string;
  tracestate?: string;
}

const TYPE_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
const MAX_KEY_LENGTH = 512;

/** Decide the envelope format and pull out type, data and the message's own metadata. */
export function openEnvelope(body: string, attributes: Attributes): Result<Envelope> {
  const { idempotencyKey: attrKey, traceparent, tracestate, ...payloadAttributes } = attributes;
  const meta: Pick<Envelope, 'traceparent' | 'tracestate'> = {};
  if (traceparent) meta.traceparent = traceparent;
  if (tracestate) meta.tracestate = tracestate;

  const trimmed = body.trim();
  let envelope: Envelope;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      return fail('BRIDGE_BAD_JSON', `body is not valid JSON: ${(err as Error).message}`);
    }
    if (!isRecord(parsed) || typeof parsed['type'] !== 'string' || parsed['type'].length === 0) {
      return fail('BRIDGE_BAD_ENVELOPE', 'JSON body must be an object with a string "type" and a "data" field');
    }
    const key = parsed['idempotencyKey'] ?? attrKey;
    if (key !== undefined && typeof key !== 'string') return fail('BRIDGE_BAD_IDEMPOTENCY_KEY', 'idempotencyKey must be a string');
    envelope = { format: 'json', type: parsed['type'], data: parsed['data'] ?? {}, ...meta };
    if (key !== undefined) envelope.idempotencyKey = key;
  } else {
    if (!TYPE_NAME.test(trimmed)) {
      return fail('BRIDGE_BAD_ENVELOPE', `body ${JSON.stringify(trimmed.slice(0, 64))} is neither JSON nor a message type name`);
    }
    envelope = { format: 'legacy', type: trimmed, data: payloadAttributes, ...meta };
    if (attrKey !== undefined) envelope.idempotencyKey = attrKey;
  }
  if (envelope.idempotencyKey !== undefined && (envelope.idempotencyKey.length === 0 || envelope.idempotencyKey.length > MAX_KEY_LENGTH)) {
    return fail('BRIDGE_BAD_IDEMPOTENCY_KEY', `idempotencyKey must be 1..${MAX_KEY_LENGTH} characters`);
  }
  return ok(envelope);
}

export interface EncodedMessage {
  body: string;
  /** String message attributes. */
  attributes: Record<string, string>;
}

/**
 * Build a message as producers send it. Legacy: the type is the body and each data field a
 * String attribute (non-strings JSON-encoded). JSON: `{"type","data"}` in the body.
 */
export function encodeMessage(type: string, format: 'legacy' | 'json', data: Record<string, unknown>, opts: { idempotencyKey?: string; attributes?: Record<string, string> } = {}): EncodedMessage {
  const attributes: Record<string, string> = { ...opts.attributes };
  if (format === 'json') {
    const body: Record<string, unknown> = { type, data };
    if (opts.idempotencyKey) body['idempotencyKey'] = opts.idempotencyKey;
    return { body: JSON.stringify(body), attributes };
  }
  for (const [k, v] of Object.entries(data)) if (v !== undefined) attributes[k] = typeof v === 'string' ? v : JSON.stringify(v);
  if (opts.idempotencyKey) attributes['idempotencyKey'] = opts.idempotencyKey;
  return { body: type, attributes };
}

/** String attributes → the SQS MessageAttributes shape. */
export function toSqsAttributes(attributes: Record<string, string>): Record<string, { DataType: 'String'; StringValue: string }> {
  const out: Record<string, { DataType: 'String'; StringValue: string }> = {};
  for (const [k, v] of Object.entries(attributes)) out[k] = { DataType: 'String', StringValue: v };
  return out;
}
