import Handlebars from 'handlebars';

/** The tenant's template cannot be rendered into a valid request: permanent. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly code = 'WEBHOOK_TEMPLATE_INVALID';
}

export interface TemplateLimits {
  maxTemplateBytes: number;
  maxOutputBytes: number;
  timeoutMs: number;
}

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
const VALUE_HELPER = '__fable_value';
const MARK = '\u0000';
const MAX_VALUES = 100_000;
// Handlebars already refuses prototype members; these names are refused outright as well.
const FORBIDDEN_SEGMENT = /^(__.*|constructor|prototype)$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const RESERVED_HEADERS = /^(host|content-length|content-type|transfer-encoding|connection|upgrade|te|trailer|keep-alive|proxy-.*|x-fable-.*)$/i;

interface RenderState {
  values: unknown[];
  deadline: number;
  budget: number;
  used: number;
  limits: TemplateLimits;
}

// Rendering is synchronous, so one state at a time is enough.
let state: RenderState | undefined;

function charge(bytes: number): void {
  const s = state;
  if (!s) return;
  s.used += bytes;
  if (s.used > s.budget) throw new TemplateError(`the template renders to more than ${s.limits.maxOutputBytes} bytes`);
  if (Date.now() > s.deadline) throw new TemplateError(`rendering took longer than ${s.limits.timeoutMs} ms`);
}

/** A private Handlebars: only if/unless/each/with and our value helper; no partials, no log, no lookup. */
const hb = Handlebars.create();
hb.unregisterHelper('log');
hb.unregisterHelper('lookup');
const builtinEach = hb.helpers['each'] as Handlebars.HelperDelegate;
hb.registerHelper('each', function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
  const fn = options.fn;
  // Each iteration's output counts against the size and time budget (nested loops multiply).
  const measured = Object.assign((ctx: unknown, opts?: Handlebars.RuntimeOptions) => {
    const out = fn(ctx, opts);
    charge(out.length);
    return out;
  }, fn);
  return builtinEach.call(this, context, { ...options, fn: measured });
});
hb.registerHelper(VALUE_HELPER, (value: unknown) => {
  const s = state;
  if (!s) throw new TemplateError('template rendered outside a render call');
  if (s.values.length >= MAX_VALUES) throw new TemplateError(`the template inserts more than ${MAX_VALUES} values`);
  if (Date.now() > s.deadline) throw new TemplateError(`rendering took longer than ${s.limits.timeoutMs} ms`);
  s.values.push(value);
  // A placeholder; the value is encoded for its place (inside or outside a JSON string) afterwards.
  return `${MARK}${s.values.length - 1}${MARK}`;
});

type Node = { type: string; [k: string]: unknown };

function where(node: Node): string {
  const loc = node['loc'] as { start?: { line?: number; column?: number } } | undefined;
  return loc?.start ? ` (line ${loc.start.line}, column ${(loc.start.column ?? 0) + 1})` : '';
}

function checkPath(node: Node): void {
  if (node.type !== 'PathExpression') return;
  for (const part of (node['parts'] as unknown[]) ?? []) {
    if (typeof part === 'string' && FORBIDDEN_SEGMENT.test(part)) throw new TemplateError(`"${String(node['original'])}"${where(node)}: property "${part}" is not accessible`);
  }
}

function checkParam(node: Node): void {
  if (node.type === 'SubExpression') throw new TemplateError(`sub-expressions "(…)"${where(node)} are not supported`);
  checkPath(node);
}

/** Validate the tree and route every {{value}} through the value helper. */
function rewrite(program: Node): Node {
  const body = (program['body'] as Node[]).map((stmt): Node => {
    switch (stmt.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return stmt;
      case 'MustacheStatement': {
        const path = stmt['path'] as Node;
        if (stmt['escaped'] === false) throw new TemplateError(`{{{…}}} and {{&…}}${where(stmt)} are not allowed: every value is JSON-encoded`);
        if (path.type !== 'PathExpression') throw new TemplateError(`{{${String((path as { original?: unknown }).original ?? path.type)}}}${where(stmt)}: only names can be inserted`);
        if (((stmt['params'] as Node[]) ?? []).length > 0 || stmt['hash']) throw new TemplateError(`{{${String(path['original'])} …}}${where(stmt)}: helpers are not available (only {{#if}}, {{#unless}}, {{#each}}, {{#with}} blocks)`);
        checkPath(path);
        const helper = { type: 'PathExpression', data: false, depth: 0, parts: [VALUE_HELPER], original: VALUE_HELPER, loc: path['loc'] };
        return { ...stmt, path: helper, params: [path], hash: undefined };
      }
      case 'BlockStatement': {
        const path = stmt['path'] as Node;
        if (path.type !== 'PathExpression') throw new TemplateError(`block${where(stmt)}: only if, unless, each and with blocks are supported`);
        const name = String(path['original']);
        const params = (stmt['params'] as Node[]) ?? [];
        if ((params.length > 0 || stmt['hash']) && !BLOCK_HELPERS.has(name)) throw new TemplateError(`{{#${name}}}${where(stmt)}: unknown helper (only if, unless, each and with)`);
        if (stmt['hash']) throw new TemplateError(`{{#${name}}}${where(stmt)}: hash arguments are not supported`);
        checkPath(path);
        params.forEach(checkParam);
        return { ...stmt, program: stmt['program'] ? rewrite(stmt['program'] as Node) : stmt['program'], inverse: stmt['inverse'] ? rewrite(stmt['inverse'] as Node) : stmt['inverse'] };
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        throw new TemplateError(`partials${where(stmt)} are not supported`);
      default:
        throw new TemplateError(`${stmt.type}${where(stmt)} is not supported`);
    }
  });
  return { ...program, body };
}

type Compiled = (data: unknown) => string;
const cache = new Map<string, Compiled>();
const CACHE_MAX = 500;

function compile(template: string, limits: TemplateLimits): Compiled {
  const hit = cache.get(template);
  if (hit) return hit;
  if (Buffer.byteLength(template) > limits.maxTemplateBytes) throw new TemplateError(`the template is larger than ${limits.maxTemplateBytes} bytes`);
  if (template.includes(MARK)) throw new TemplateError('the template contains a NUL character');
  let ast: Node;
  try {
    ast = hb.parse(template) as unknown as Node;
  } catch (err) {
    const lines = (err as Error).message.split('\n');
    throw new TemplateError(`the template does not parse: ${lines[0]}${lines.length > 1 ? ` ${lines.at(-1)}` : ''}`);
  }
  const program = rewrite(ast);
  const fn = hb.compile(program, {
    noEscape: true,
    strict: false,
    knownHelpersOnly: true,
    knownHelpers: { [VALUE_HELPER]: true, if: true, unless: true, each: true, with: true, log: false, lookup: false },
  });
  const compiled: Compiled = (data) => fn(data, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false, allowCallsToHelperMissing: false });
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(template, compiled);
  return compiled;
}

function run(template: string, data: Record<string, unknown>, limits: TemplateLimits): { out: string; values: unknown[] } {
  const compiled = compile(template, limits);
  const s: RenderState = { values: [], deadline: Date.now() + limits.timeoutMs, budget: limits.maxOutputBytes * 4, used: 0, limits };
  state = s;
  try {
    const out = compiled(data);
    if (Date.now() > s.deadline) throw new TemplateError(`rendering took longer than ${limits.timeoutMs} ms`);
    return { out, values: s.values };
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(`the template cannot be rendered: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    state = undefined;
  }
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

function asJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? 'null';
}

/**
 * Replace each placeholder by its value, encoded for where it stands: inside a JSON string the
 * text is string-escaped (no way to close the string), outside it is a JSON value (a string
 * becomes a quoted string, never bare syntax).
 */
function substitute(out: string, values: unknown[], json: boolean, limits: TemplateLimits): string {
  const parts: string[] = [];
  let size = 0;
  let inString = false;
  let escaped = false;
  let from = 0;
  const push = (piece: string) => {
    size += piece.length;
    if (size > limits.maxOutputBytes) throw new TemplateError(`the rendered body is larger than ${limits.maxOutputBytes} bytes`);
    parts.push(piece);
  };
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (c === 0) {
      push(out.slice(from, i));
      const end = out.indexOf(MARK, i + 1);
      const v = values[Number(out.slice(i + 1, end))];
      push(!json ? asText(v) : inString ? JSON.stringify(asText(v)).slice(1, -1) : asJson(v));
      i = end;
      from = end + 1;
      continue;
    }
    if (!json) continue;
    if (escaped) escaped = false;
    else if (c === 92 /* \ */) escaped = inString;
    else if (c === 34 /* " */) inString = !inString;
  }
  push(out.slice(from));
  return parts.join('');
}

/**
 * Render the tenant's JSON body template. The result is always valid JSON no larger than the
 * cap, or a TemplateError says why not. A template that is itself JSON is normalised first, as
 * the old service did.
 */
export function renderJsonBody(template: string, data: Record<string, unknown>, limits: TemplateLimits): string {
  let source = template;
  try {
    source = JSON.stringify(JSON.parse(template));
  } catch {
    // Not JSON before rendering (e.g. {"n": {{count}}}): rendered as written.
  }
  const { out, values } = run(source, data, limits);
  const body = substitute(out, values, true, limits);
  try {
    JSON.parse(body);
  } catch (err) {
    throw new TemplateError(`the rendered body is not valid JSON: ${(err as Error).message}`);
  }
  if (Buffer.byteLength(body) > limits.maxOutputBytes) throw new TemplateError(`the rendered body is larger than ${limits.maxOutputBytes} bytes`);
  return body;
}

/** Render the tenant's headers: names checked, values rendered as text without line breaks. */
export function renderHeaders(template: Record<string, unknown>, data: Record<string, unknown>, limits: TemplateLimits): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(template)) {
    if (!HEADER_NAME.test(name)) throw new TemplateError(`header name ${JSON.stringify(name.slice(0, 64))} is not a valid HTTP header name`);
    if (RESERVED_HEADERS.test(name)) continue;
    if (raw === null || raw === undefined) continue;
    if (typeof raw === 'object') throw new TemplateError(`header ${name}: the value must be a string`);
    const { out: rendered, values } = run(String(raw), data, { ...limits, maxOutputBytes: Math.min(limits.maxOutputBytes, 8192) });
    const value = substitute(rendered, values, false, { ...limits, maxOutputBytes: 8192 });
    if (/[\r\n\0]/.test(value)) throw new TemplateError(`header ${name}: the rendered value contains a line break or NUL`);
    out[name] = value;
  }
  return out;
}
