import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Scrubber, createLogger, lazyLogger } from '../src/index.ts';

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
  it('lazyLogger makes the child only when something is logged, not when its methods are looked at', () => {
    const { lines, destination } = capture();
    const parent = createLogger({ level: 'info', destination });
    let made = 0;
    const counting = Object.assign(Object.create(parent) as typeof parent, { child: (b: Record<string, unknown>) => (made++, parent.child(b)) });
    const log = lazyLogger(counting, { reqId: 'r-1' });
    // What Fastify does with every request logger before the handler runs.
    for (const m of ['info', 'error', 'debug', 'fatal', 'warn', 'trace', 'child'] as const) expect(typeof (log as unknown as Record<string, unknown>)[m]).toBe('function');
    expect(made).toBe(0);
    log.info({ n: 1 }, 'first');
    log.info('second');
    expect(made).toBe(1);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { reqId: 'r-1', n: 1, msg: 'first' },
      { reqId: 'r-1', msg: 'second' },
    ]);
  });
});
