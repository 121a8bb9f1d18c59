import { describe, expect, it } from 'vitest';
import { maskHeaders, redactUrl, truncate } from './masking.ts';

describe('masking', () => {
  it('masks credential-like headers only', () => {
    expect(maskHeaders({ Authorization: 'Bearer x', 'X-Api-Key': 'k', 'x-fable-signature': 's', Cookie: 'c', 'X-Session-Id': 'i', 'Content-Type': 'application/json', 'X-Fable-Event-Id': 'evt_1' })).toEqual({
      Authorization: '***',
      'X-Api-Key': '***',
      'x-fable-signature': '***',
      Cookie: '***',
      'X-Session-Id': '***',
      'Content-Type': 'application/json',
      'X-Fable-Event-Id': 'evt_1',
    });
  });
  it('redacts URLs: credentials, query values and Zapier hook tokens', () => {
    expect(redactUrl('https://u:p@example.com/hook?token=abc&x=1')).toBe('https://example.com/hook?token=***&x=***');
    expect(redactUrl('https://hooks.zapier.com/hooks/catch/123456/abcdef/')).toBe('https://hooks.zapier.com/hooks/catch/***/***/');
    expect(redactUrl('nope')).toBe('[invalid URL]');
  });
  it('truncates with a marker', () => {
    expect(truncate('abcdef', 4)).toBe('abcd…[truncated 2 chars]');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
