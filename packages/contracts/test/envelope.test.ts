import { describe, expect, it } from 'vitest';
import { encodeMessage, flattenAttributes, jobIdFor, openEnvelope } from '../src/index.ts';

describe('openEnvelope', () => {
  it('reads the legacy format: the body is the type, attributes are the payload', () => {
    const r = openEnvelope('  NF\n', { eventName: 'EBOOK_DOWNLOAD', payload_email: 'a@b.c', idempotencyKey: 'k1', traceparent: '00-abc-def-01' });
    expect(r).toEqual({
      ok: true,
      value: { format: 'legacy', type: 'NF', data: { eventName: 'EBOOK_DOWNLOAD', payload_email: 'a@b.c' }, idempotencyKey: 'k1', traceparent: '00-abc-def-01' },
    });
  });

  it('reads the JSON format with an idempotency key in the body', () => {
    const r = openEnvelope('{"type":"TRIGGER_ANALYTICS_JOB","data":{"job":"UPDATE_HOUSE_LEAD"},"idempotencyKey":"x"}', {});
    expect(r).toEqual({ ok: true, value: { format: 'json', type: 'TRIGGER_ANALYTICS_JOB', data: { job: 'UPDATE_HOUSE_LEAD' }, idempotencyKey: 'x' } });
  });

  it.each([
    ['{"type":', 'BRIDGE_BAD_JSON'],
    ['[1,2]', 'BRIDGE_BAD_ENVELOPE'],
    ['{"data":{}}', 'BRIDGE_BAD_ENVELOPE'],
    ['hello world', 'BRIDGE_BAD_ENVELOPE'],
    ['', 'BRIDGE_BAD_ENVELOPE'],
  ])('rejects %j with %s', (body, code) => {
    const r = openEnvelope(body, {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('rejects an over-long idempotency key', () => {
    const r = openEnvelope('NF', { idempotencyKey: 'x'.repeat(513) });
    expect(r.ok === false && r.code).toBe('BRIDGE_BAD_IDEMPOTENCY_KEY');
  });

  it('drops the old service internal attributes and binary ones', () => {
    expect(
      flattenAttributes({
        __fable_internal__retry: { DataType: 'Number', StringValue: '2' },
        key: { DataType: 'String', StringValue: 'k' },
        n: { DataType: 'Number', StringValue: '3' },
        bin: { DataType: 'Binary' },
      }),
    ).toEqual({ key: 'k', n: '3' });
  });

  it('encodes both formats the way producers send them', () => {
    expect(encodeMessage('CBE', 'legacy', { payload: { email: 'a@b.c', orgId: 1 } })).toEqual({ body: 'CBE', attributes: { payload: '{"email":"a@b.c","orgId":1}' } });
    expect(encodeMessage('NF', 'json', { eventName: 'X' }, { idempotencyKey: 'i' })).toEqual({ body: '{"type":"NF","data":{"eventName":"X"},"idempotencyKey":"i"}', attributes: {} });
  });
});

describe('jobIdFor', () => {
  it('makes BullMQ-safe ids that never collide', () => {
    expect(jobIdFor('a:b')).toBe('k-a%3Ab');
    expect(jobIdFor('a:b')).not.toBe(jobIdFor('a%3Ab'));
    expect(jobIdFor('12345')).toBe('k-12345');
    expect(jobIdFor('x'.repeat(300))).toMatch(/^h-[0-9a-f]{64}$/);
    expect(jobIdFor('x'.repeat(300))).not.toContain(':');
  });
});
