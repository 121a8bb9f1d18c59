import { describe, expect, it } from 'vitest';
import { ANALYTICS_ERROR_CODES, ERROR_CODES, FLEET_ERROR_CODES, INTEGRATIONS_ERROR_CODES, LLM_ERROR_CODES, MEDIA_ERROR_CODES } from '../src/index.ts';

describe('error code catalogue', () => {
  it('has one meaning per code across every domain (no code declared twice)', () => {
    const parts = [FLEET_ERROR_CODES, MEDIA_ERROR_CODES, ANALYTICS_ERROR_CODES, INTEGRATIONS_ERROR_CODES, LLM_ERROR_CODES];
    const all = parts.flatMap((p) => Object.keys(p));
    expect(all.length).toBe(new Set(all).size);
    expect(Object.keys(ERROR_CODES).length).toBe(all.length);
  });

  it('codes are SCREAMING_SNAKE with a documented meaning', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]{2,63}$/);
      expect(meaning.length, code).toBeGreaterThan(10);
    }
  });
});
