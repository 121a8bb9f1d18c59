import { describe, expect, it } from 'vitest';
import { TemplateError, renderHeaders, renderJsonBody } from './template.ts';

const limits = { maxTemplateBytes: 4096, maxOutputBytes: 8192, timeoutMs: 200 };
const render = (t: string, d: Record<string, unknown>) => renderJsonBody(t, d, limits);
const refused = (t: string, d: Record<string, unknown> = {}) => {
  try {
    render(t, d);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).code).toBe('WEBHOOK_TEMPLATE_INVALID');
    return (err as Error).message;
  }
  throw new Error(`rendered: ${t}`);
};

describe('renderJsonBody', () => {
  it('string-escapes values inside JSON strings, without HTML escaping', () => {
    const body = render('{"email":"{{email}}","note":"<{{note}}>"}', { email: 'a"b\\c', note: '</script>&\'\n' });
    expect(JSON.parse(body)).toEqual({ email: 'a"b\\c', note: '<</script>&\'\n>' });
  });

  it('encodes values outside strings as JSON values: injection stays a string', () => {
    const body = render('{"n": {{n}}, "s": {{s}}, "o": {{o}}, "missing": {{nope}} }', { n: 3, s: '1, "admin": true', o: { k: ['x'] } });
    expect(JSON.parse(body)).toEqual({ n: 3, s: '1, "admin": true', o: { k: ['x'] }, missing: null });
  });

  it('cannot close a string or add keys, whatever the value', () => {
    for (const v of ['","admin":true,"x":"', '\\', '\\"', '"}', '\u0000', '{{email}}', '\u2028']) {
      const parsed = JSON.parse(render('{"a":"{{v}}","b":"fixed"}', { v, email: 'e' }));
      expect(parsed).toEqual({ a: v, b: 'fixed' });
    }
  });

  it('supports if/unless/each/with and sections', () => {
    const t = '{"items":[{{#each items}}{{#if @index}},{{/if}}"{{name}}"{{/each}}],{{#with user}}"user":"{{name}}",{{/with}}{{#unless vip}}"vip":false,{{/unless}}"list":[{{#tags}}"{{this}}",{{/tags}}"end"]}';
    expect(JSON.parse(render(t, { items: [{ name: 'a' }, { name: 'b"' }], user: { name: 'U' }, tags: ['t1'] }))).toEqual({ items: ['a', 'b"'], user: 'U', vip: false, list: ['t1', 'end'] });
  });

  it('refuses triple-stash, helpers, partials, decorators, sub-expressions and prototype access', () => {
    expect(refused('{"a":"{{{x}}}"}')).toMatch(/every value is JSON-encoded/);
    expect(refused('{"a":"{{&x}}"}')).toMatch(/every value is JSON-encoded/);
    expect(refused("{\"a\":\"{{lookup this 'x'}}\"}")).toMatch(/helpers are not available/);
    expect(refused('{"a":"{{log x}}"}')).toMatch(/helpers are not available/);
    expect(refused('{"a":"{{> p}}"}')).toMatch(/partials/);
    expect(refused('{"a":"{{#> layout}}x{{/layout}}"}')).toMatch(/partials/);
    expect(refused('{"a":"{{* deco}}"}')).toMatch(/not supported/);
    expect(refused('{"a":"{{#if (eq a b)}}x{{/if}}"}')).toMatch(/sub-expressions/);
    expect(refused('{"a":"{{#each x key=1}}{{/each}}"}')).toMatch(/hash arguments/);
    expect(refused('{"a":"{{#custom x}}{{/custom}}"}')).toMatch(/unknown helper/);
    expect(refused('{"a":"{{constructor.constructor}}"}')).toMatch(/"constructor" is not accessible/);
    expect(refused('{"a":"{{x.__proto__.polluted}}"}')).toMatch(/"__proto__" is not accessible/);
    expect(refused('{"a":"{{#with __proto__}}{{/with}}"}')).toMatch(/"__proto__" is not accessible/);
  });

  it('does not read inherited properties', () => {
    expect(JSON.parse(render('{"a":"{{toString}}","b":"{{x.hasOwnProperty}}"}', { x: {} }))).toEqual({ a: '', b: '' });
  });

  it('refuses output that is not JSON, and templates that are too large or render too much', () => {
    expect(refused('{"a": "{{x}}"')).toMatch(/not valid JSON/);
    expect(refused('not json {{x}}', { x: 1 })).toMatch(/not valid JSON/);
    expect(refused(`{"a":"${'x'.repeat(5000)}"}`)).toMatch(/larger than 4096 bytes/);
    expect(refused('{"a":"{{big}}"}', { big: 'y'.repeat(9000) })).toMatch(/larger than 8192 bytes/);
    const nested = '{"a":[{{#each l}}{{#each @root.l}}{{#each @root.l}}{{#each @root.l}}1,{{/each}}{{/each}}{{/each}}{{/each}}1]}';
    const t0 = Date.now();
    expect(refused(nested, { l: Array.from({ length: 300 }, () => 0) })).toMatch(/renders to more than 8192 bytes|took longer than 200 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(refused('{"a":"{{#each x}}"}')).toMatch(/does not parse: Parse error on line 1: Expecting .*got 'EOF'/);
    expect(refused('{"a":"\u0000"}')).toMatch(/NUL/);
  });

  it('stops a render that runs out of time even when it outputs nothing', () => {
    const silent = '{"a":1{{#each l}}{{#each @root.l}}{{#each @root.l}}{{#each @root.l}}{{/each}}{{/each}}{{/each}}{{/each}} }';
    const t0 = Date.now();
    expect(refused(silent, { l: Array.from({ length: 400 }, () => 0) })).toMatch(/took longer than 200 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('renderHeaders', () => {
  it('renders values as text, keeps names, drops reserved headers', () => {
    expect(renderHeaders({ Authorization: 'Bearer {{t}}', 'X-Rid': '{{rid}}', Host: 'evil', 'Content-Length': '1', 'X-Fable-Event-Id': 'spoof', 'x-n': 5 }, { t: 'tok"en', rid: 'r1' }, limits)).toEqual({ Authorization: 'Bearer tok"en', 'X-Rid': 'r1', 'x-n': '5' });
  });
  it('refuses header injection and bad names', () => {
    expect(() => renderHeaders({ 'X-A': '{{v}}' }, { v: 'a\r\nSet-Cookie: x' }, limits)).toThrow(/line break/);
    expect(() => renderHeaders({ 'Bad Name': 'x' }, {}, limits)).toThrow(/not a valid HTTP header name/);
    expect(() => renderHeaders({ 'X-O': { a: 1 } }, {}, limits)).toThrow(/must be a string/);
  });
});
