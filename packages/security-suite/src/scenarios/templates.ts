// Handlebars payloads in tenant templates and their data, through the real bridge and pool to an endpoint that records what arrives.
import { randomBytes } from 'node:crypto';
import { migrateWithRetry } from '@fable-jobs/db';
import { testConfig } from '@fable-jobs/testing';
import { startFleetStack } from '../lib/fleet-stack.ts';
import { runScenario, tag, type ScenarioResult } from '../lib/result.ts';

interface Payload {
  name: string;
  reqBody: string;
  reqHeaders?: Record<string, unknown> | string;
  /** Event data (rendered into the template); default an email and the demo id. */
  data?: Record<string, unknown>;
}

const ENV = 'SEC_TEMPLATE_CANARY';

/** The known Handlebars RCE chain (string.sub.apply → Function constructor), returning `code`'s value (single-quoted literals, so it sits inside a JSON string). */
function rceChain(code: string): string {
  return [
    "{{#with 's' as |string|}}{{#with 'e'}}{{#with split as |conslist|}}{{this.pop}}{{this.push (lookup string.sub 'constructor')}}{{this.pop}}",
    `{{#with string.split as |codelist|}}{{this.pop}}{{this.push '${code}'}}{{this.pop}}{{#each conslist}}{{#with (string.sub.apply 0 codelist)}}{{this}}{{/with}}{{/each}}{{/with}}`,
    '{{/with}}{{/with}}{{/with}}',
  ].join('');
}

function payloads(marker: string): Payload[] {
  // Handlebars string literals in single quotes: the template stays valid JSON around them.
  const inString = (expr: string) => `{"x":"${expr.replace(/"/g, "'")}"}`;
  const big = Array.from({ length: 2000 }, (_, i) => i);
  return [
    { name: 'RCE chain returning an env var', reqBody: inString(rceChain(`return process.env.${ENV};`)) },
    { name: 'RCE chain, template not JSON-quoted', reqBody: `{"x": ${rceChain(`return process.env.${ENV};`)} }` },
    { name: 'RCE chain setting a global', reqBody: inString(rceChain('globalThis.__secPwned = 1; return 1;')) },
    { name: 'constructor.constructor with an argument', reqBody: inString(`{{constructor.constructor 'return process.env.${ENV}'}}`) },
    { name: 'lookup helper on constructor', reqBody: inString("{{#with (lookup this 'constructor')}}{{name}}{{/with}}") },
    { name: 'lookup as a mustache', reqBody: inString("{{lookup this 'constructor'}}") },
    { name: 'with constructor / prototype', reqBody: inString('{{#with this.constructor}}{{#with prototype}}{{toString}}{{/with}}{{/with}}') },
    { name: '__proto__ path', reqBody: inString('{{__proto__}}') },
    { name: '__proto__ through this', reqBody: inString('{{this.__proto__.constructor.name}}') },
    { name: 'bracket segment [constructor]', reqBody: inString('{{[constructor]}}') },
    { name: 'bracket segment [__proto__]', reqBody: inString('{{this.[__proto__]}}') },
    { name: '@root.constructor', reqBody: inString('{{@root.constructor.name}}') },
    { name: 'parent path ../constructor', reqBody: inString('{{#with email}}{{../constructor}}{{/with}}') },
    { name: 'old slash path this/constructor', reqBody: inString('{{this/constructor}}') },
    { name: '__defineGetter__', reqBody: inString('{{__defineGetter__}}') },
    { name: 'each over __proto__', reqBody: inString('{{#each __proto__}}{{@key}}{{/each}}') },
    { name: 'each over constructor', reqBody: inString('{{#each constructor}}{{@key}}{{/each}}') },
    { name: 'inherited toString / valueOf', reqBody: inString('{{toString}}{{valueOf}}{{hasOwnProperty}}') },
    { name: 'each over the data, printing keys and values', reqBody: inString('{{#each this}}{{@key}}={{this}};{{/each}}') },
    { name: 'string literal constructor', reqBody: inString('{{#with "a"}}{{this.constructor.constructor}}{{/with}}') },
    { name: 'partial', reqBody: inString('{{> evil}}') },
    { name: 'partial block', reqBody: inString('{{#> layout}}x{{/layout}}') },
    { name: 'dynamic partial', reqBody: inString("{{> (lookup . 'p')}}") },
    { name: 'inline partial decorator', reqBody: inString('{{#*inline "p"}}x{{/inline}}{{> p}}') },
    { name: 'decorator', reqBody: inString('{{* deco}}') },
    { name: 'raw block', reqBody: inString('{{{{raw}}}}{{email}}{{{{/raw}}}}') },
    { name: 'log helper', reqBody: inString(`{{log "${marker}"}}`) },
    { name: 'log helper as a block', reqBody: inString(`{{#log "${marker}"}}{{/log}}`) },
    { name: 'helperMissing', reqBody: inString('{{helperMissing "x"}}') },
    { name: 'blockHelperMissing', reqBody: inString('{{#blockHelperMissing this}}{{/blockHelperMissing}}') },
    { name: 'if with a sub-expression', reqBody: inString("{{#if (lookup this 'constructor')}}yes{{/if}}") },
    { name: 'each with a hash argument', reqBody: inString('{{#each this key=1}}{{/each}}') },
    { name: 'unknown block helper', reqBody: inString('{{#custom this}}x{{/custom}}') },
    { name: 'triple-stash closing the string', reqBody: '{"x":"{{{email}}}"}', data: { email: '","injected":true,"y":"' } },
    { name: 'ampersand unescaped closing the string', reqBody: '{"x":"{{&email}}"}', data: { email: '","injected":true,"y":"' } },
    { name: 'double-stash value closing the string', reqBody: '{"x":"{{email}}"}', data: { email: '","injected":true,"y":"' } },
    { name: 'value with a backslash before the quote', reqBody: '{"x":"{{email}}"}', data: { email: '\\","injected":true,"y":"\\' } },
    { name: 'value outside quotes adding a key', reqBody: '{"x":{{email}}}', data: { email: '1,"injected":true' } },
    { name: 'object value outside quotes', reqBody: '{"x":{{obj}}}', data: { obj: { injected: true } } },
    { name: 'literal \\u0022 escapes in the value', reqBody: '{"x":"{{email}}"}', data: { email: '\\u0022,\\u0022injected\\u0022:true,\\u0022y\\u0022:\\u0022' } },
    { name: 'line separator U+2028 in the value', reqBody: '{"x":"{{email}}"}', data: { email: 'a\u2028"injected":true' } },
    { name: 'a value that is itself a template', reqBody: '{"x":"{{email}}"}', data: { email: `{{constructor.constructor 'return process.env.${ENV}'}}` } },
    { name: 'data with a __proto__ key', reqBody: '{"x":"{{polluted}}","y":"{{email}}"}', data: { email: 'v@example.com', ['__proto__']: { polluted: marker } } },
    { name: 'data with constructor.prototype', reqBody: '{"x":"{{polluted}}"}', data: { constructor: { prototype: { polluted: marker } } } },
    { name: 'template JSON carrying a __proto__ key', reqBody: `{"__proto__":{"polluted":"${marker}"},"x":"{{email}}"}` },
    { name: 'nested each blow-up (time)', reqBody: '{"a":[{{#each l}}{{#each @root.l}}{{#each @root.l}}{{#each @root.l}}1,{{/each}}{{/each}}{{/each}}{{/each}}1]}', data: { l: big } },
    { name: 'nested each with no output (time)', reqBody: '{"a":1{{#each l}}{{#each @root.l}}{{#each @root.l}}{{/each}}{{/each}}{{/each}}}', data: { l: big } },
    { name: 'a value larger than the body limit', reqBody: '{"x":"{{big}}"}', data: { big: 'y'.repeat(300_000) } },
    { name: 'a template larger than the template limit', reqBody: `{"x":"${'x'.repeat(70_000)}"}` },
    { name: 'header value with CRLF injection', reqBody: '{"x":1}', reqHeaders: { 'X-A': '{{email}}' }, data: { email: 'a\r\nX-Injected: 1' } },
    { name: 'header value with a bare LF', reqBody: '{"x":1}', reqHeaders: { 'X-A': 'a{{email}}' }, data: { email: '\nX-Injected: 1' } },
    { name: 'header name with CRLF', reqBody: '{"x":1}', reqHeaders: { 'X-A\r\nX-Injected': '1' } },
    { name: 'Host header override', reqBody: '{"x":1}', reqHeaders: { Host: 'evil.example' } },
    { name: 'signature header spoof', reqBody: '{"x":1}', reqHeaders: { 'X-Fable-Signature': `forged-${marker}`, 'x-fable-event-id': `forged-${marker}` } },
    { name: 'content-length / transfer-encoding override', reqBody: '{"x":1}', reqHeaders: { 'Content-Length': '1', 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/html' } },
    { name: 'header template with constructor', reqBody: '{"x":1}', reqHeaders: { 'X-A': `{{constructor.constructor 'return process.env.${ENV}'}}` } },
    { name: 'header template with the RCE chain', reqBody: '{"x":1}', reqHeaders: { 'X-A': rceChain(`return process.env.${ENV};`) } },
    { name: 'header values as an object', reqBody: '{"x":1}', reqHeaders: { 'X-A': { toString: 'x' } } },
  ];
}

/** Own keys of the built-in prototypes and of globalThis (what pollution would change). */
function protoSnapshot(): string {
  const keys = (o: object) => Reflect.ownKeys(o).map(String).sort().join(',');
  return [Object.prototype, Array.prototype, String.prototype, Function.prototype, Number.prototype, globalThis].map(keys).join('|');
}

export async function templates(): Promise<ScenarioResult> {
  return runScenario('templates', 120_000, async (t, defer) => {
    await migrateWithRetry(testConfig().config, { createDatabases: true });
    const run = tag();
    const marker = `tpl-${run}`;
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    process.env[ENV] = canary;
    defer.add('env canary', () => delete process.env[ENV]);
    // Handlebars' log helper writes to the console: capture it for the scenario.
    const consoleLines: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    for (const m of methods) console[m] = (...args: unknown[]) => void consoleLines.push(args.map(String).join(' '));
    defer.add('console', () => methods.forEach((m, i) => (console[m] = originals[i] as (typeof console)[typeof m])));

    const fleet = await startFleetStack({ pools: ['integrations'] });
    defer.add('fleet', () => fleet.close());
    const { mainApi, tenant } = fleet.fakes;
    mainApi.demos.set('9001', { id: 9001, rid: 'rid-9001', displayName: 'Tour' });
    const before = protoSnapshot();

    let seq = 0;
    const send = async (p: Payload, path: string) => {
      const id = `${Date.now() % 1_000_000_000}${String(seq++).padStart(4, '0')}`;
      mainApi.integrations.set(id, {
        org: { id: 5 },
        platformIntegration: { type: 'FableWebhook' },
        tenantIntegration: { id: Number(id), tenantConfig: { url: `${tenant.url}${path}`, reqBody: p.reqBody, reqHeaders: typeof p.reqHeaders === 'string' ? p.reqHeaders : JSON.stringify(p.reqHeaders ?? {}) } },
      });
      const data = { email: 'v@example.com', ...p.data, ti: 9001 };
      const jobId = await fleet.send('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: id, payload_eventPayload: JSON.stringify(data) });
      return { id, jobId };
    };

    const list = payloads(marker);
    const sent: Array<{ p: Payload; path: string; id: string; jobId: string }> = [];
    for (const [i, p] of list.entries()) {
      const path = `/tpl-${run}-${i}`;
      sent.push({ p, path, ...(await send(p, path)) });
    }
    const control = await send({ name: 'control', reqBody: '{"email":"{{email}}","rid":"{{demo_rid}}","n":{{count}},"tags":[{{#each tags}}{{#if @index}},{{/if}}"{{this}}"{{/each}}]}', reqHeaders: { Authorization: 'Bearer {{token}}' }, data: { count: 3, tags: ['a', 'b"c'], token: `tok-${run}` } }, `/control-${run}`);
    t.control('every delivery job finished', await fleet.idle(90_000));

    const q = fleet.queues.get('integrations.tenant-webhook');
    for (const s of sent) {
      const got = tenant.received(`POST ${s.path}`);
      const problems: string[] = [];
      for (const r of got) {
        const text = `${r.body} ${JSON.stringify(r.headers)}`;
        if (text.includes(canary)) problems.push('the env canary arrived (code ran)');
        if (text.includes('[native code]') || /function \w*\(/.test(text)) problems.push('function source arrived');
        const parsed = r.json as Record<string, unknown> | undefined;
        if (parsed && typeof parsed === 'object' && 'injected' in parsed) problems.push('a key the template does not have arrived');
        if (r.headers['x-injected'] !== undefined) problems.push('an injected header arrived');
        if (r.headers['host'] === 'evil.example') problems.push('the Host header was overridden');
        if (String(r.headers['x-fable-signature'] ?? '').startsWith('forged-') || String(r.headers['x-fable-event-id'] ?? '').startsWith('forged-')) problems.push('a signature header was spoofed');
        if (r.headers['content-type'] !== 'application/json') problems.push(`content-type ${r.headers['content-type']}`);
        if (Buffer.byteLength(r.body) > fleet.h.config.integrations.webhookMaxBodyBytes) problems.push(`a ${Buffer.byteLength(r.body)}-byte body`);
        if (parsed && typeof parsed['x'] === 'string' && parsed['x'] === marker) problems.push('a polluted value was rendered');
      }
      const job = await q.getJob(s.jobId);
      const ms = job?.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0;
      if (ms > 5000) problems.push(`rendering held the job ${ms} ms`);
      if (process.env['SECURITY_DEBUG']) process.stderr.write(`${s.p.name}: ${got.map((r) => r.body.slice(0, 160)).join(' | ') || 'nothing delivered'}\n`);
      t.attempt(s.p.name, problems.length > 0, `${got.length} request(s) delivered; ${problems.join('; ')}`);
    }
    const after = protoSnapshot();
    const polluted = ({} as Record<string, unknown>)['polluted'];
    t.attempt('built-in prototypes or globals changed in the worker process', before !== after || polluted !== undefined, `Object.prototype.polluted=${String(polluted)}`);
    t.attempt('code ran in the worker (global set by a payload)', (globalThis as Record<string, unknown>)['__secPwned'] !== undefined, String((globalThis as Record<string, unknown>)['__secPwned']));
    const logged = consoleLines.filter((l) => l.includes(marker) || l.includes(canary));
    t.attempt('the log helper (or code) wrote to the console', logged.length > 0, logged.slice(0, 3).join(' | '));

    const [ctl] = tenant.received(`POST /control-${run}`);
    const expected = JSON.stringify({ email: 'v@example.com', rid: 'rid-9001', n: 3, tags: ['a', 'b"c'] });
    t.control('a legitimate template is delivered rendered', JSON.stringify(ctl?.json) === expected, ctl?.body ?? 'nothing delivered');
    t.control('a legitimate header template is delivered', ctl?.headers['authorization'] === `Bearer tok-${run}`, String(ctl?.headers['authorization']));
    const delivered = sent.filter((s) => tenant.received(`POST ${s.path}`).length > 0).length;
    return `${list.length} template/data payloads (RCE chain, constructor/__proto__ paths, helpers, partials, decorators, raw/triple-stash, JSON and header injection, pollution through data, time and size blow-ups), ${delivered} of them rendered and delivered (harmlessly), the rest refused`;
  });
}
