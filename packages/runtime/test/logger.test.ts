import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Scrubber, createLogger } from '../src/index.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('redacts secret-looking fields and every configured secret value wherever it appears', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', scrubber: new Scrubber(['sk-ant-canary-123', 'pw-canary']), destination });
    log.info({ headers: { authorization: 'Bearer abc', 'x-api-key': 'k' }, apiKey: 'zzz', note: 'call with sk-ant-canary-123 failed' }, 'login pw-canary');
    const out = lines.join('');
    expect(out).not.toContain('sk-ant-canary-123');
    expect(out).not.toContain('pw-canary');
    expect(out).not.toContain('Bearer abc');
    expect(out).not.toContain('"zzz"');
    expect(out).toContain('[REDACTED]');
  });

  it('scrubs the longest secret first', () => {
    expect(new Scrubber(['abcd', 'abcdefgh']).scrub('x abcdefgh y abcd')).toBe('x [REDACTED] y [REDACTED]');
  });
});
