import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LlmFakeHttpServer, randomId, sendJson, type LlmRecordedRequest } from './http.ts';

/**
 * A fake of the Anthropic Messages API (`POST /v1/messages`) speaking its wire format: the
 * `x-api-key` and `anthropic-version` headers, tool_use content blocks, `usage` with prompt
 * cache writes/reads, `request-id` headers and error bodies
 * `{"type":"error","error":{"type","message"},"request_id"}` (429 with retry-after, 529
 * overloaded_error, 500 api_error, 401 authentication_error, 400 invalid_request_error).
 */

export type AnthropicScript =
  | { kind: 'rate-limited'; retryAfterSeconds?: number; spendLimit?: boolean }
  | { kind: 'overloaded' }
  | { kind: 'server-error' }
  | { kind: 'drop' }
  | { kind: 'tool'; input: unknown }
  | { kind: 'delay'; ms: number };

export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  system?: string | Array<{ type: 'text'; text: string; cache_control?: { type: string } }>;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: { type: string; name?: string };
}

/** What the default responder answers: an input for the forced tool. */
export type ToolResponder = (body: MessagesRequestBody, toolName: string, schema: Record<string, unknown>) => unknown;

export interface FakeAnthropicOptions {
  /** Accepted API keys → account name (other keys get 401). */
  keys: Record<string, string>;
  /** Prompt prefixes shorter than this are not cached (the API's minimum is 1024 tokens for Sonnet). */
  minCacheableTokens?: number;
  /** Answers the forced tool; default: a minimal instance generated from its input_schema. */
  respond?: ToolResponder;
}

const VERSIONS = new Set(['2023-06-01', '2023-01-01']);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export class FakeAnthropic {
  readonly server: LlmFakeHttpServer;
  readonly #opts: FakeAnthropicOptions;
  readonly #scripts: Array<{ key: string | undefined; when: ((b: MessagesRequestBody) => boolean) | undefined; steps: AnthropicScript[] }> = [];
  readonly #cache = new Set<string>();
  #respond: ToolResponder;
  /** Calls answered successfully, per API key. */
  readonly answered = new Map<string, number>();

  constructor(opts: FakeAnthropicOptions) {
    this.#opts = opts;
    this.#respond = opts.respond ?? ((_b, _n, schema) => sampleFromSchema(schema));
    this.server = new LlmFakeHttpServer((req, res) => this.#handle(req, res));
  }

  get url(): string {
    return this.server.url;
  }

  /** Calls to /v1/messages, in order. */
  get calls(): LlmRecordedRequest[] {
    return this.server.calls('/v1/messages');
  }

  /** Queue behaviours for the next calls made with `key` (then the default answer resumes). */
  script(key: string, ...steps: AnthropicScript[]): this {
    this.#scripts.push({ key, when: undefined, steps });
    return this;
  }

  /**
   * Like `script`, for the calls whose body matches `when` only (tests sharing the fake script
   * their own requests, e.g. by a marker in the prompt). `key` undefined: any account.
   */
  scriptWhen(when: (body: MessagesRequestBody) => boolean, key: string | undefined, ...steps: AnthropicScript[]): this {
    this.#scripts.push({ key, when, steps });
    return this;
  }

  #nextStep(key: string, body: MessagesRequestBody): AnthropicScript | undefined {
    const entry = this.#scripts.find((e) => e.steps.length > 0 && (e.key === undefined || e.key === key) && (!e.when || e.when(body)));
    return entry?.steps.shift();
  }

  respondWith(fn: ToolResponder): this {
    this.#respond = fn;
    return this;
  }

  async #handle(req: LlmRecordedRequest, res: ServerResponse): Promise<void> {
    const requestId = randomId('req_');
    const error = (status: number, type: string, message: string, headers: Record<string, string> = {}, details?: unknown) =>
      sendJson(res, status, { type: 'error', error: { type, message, ...(details ? { details } : {}) }, request_id: requestId }, { 'request-id': requestId, ...headers });

    if (req.method !== 'POST' || req.path !== '/v1/messages') return error(404, 'not_found_error', `Not found: ${req.method} ${req.path}`);
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !(key in this.#opts.keys)) return error(401, 'authentication_error', 'invalid x-api-key');
    const version = req.headers['anthropic-version'];
    if (typeof version !== 'string') return error(400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!VERSIONS.has(version)) return error(400, 'invalid_request_error', `anthropic-version: invalid version ${version}`);
    if (!/^application\/json/i.test(String(req.headers['content-type'] ?? ''))) return error(400, 'invalid_request_error', 'content-type must be application/json');
    const body = req.json as MessagesRequestBody | undefined;
    const invalid = body ? validate(body) : 'request body is not valid JSON';
    if (invalid) return error(400, 'invalid_request_error', invalid);
    const b = body as MessagesRequestBody;

    const step = this.#nextStep(key, b);
    if (step?.kind === 'delay') await new Promise((r) => setTimeout(r, step.ms));
    if (step?.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (step?.kind === 'rate-limited') {
      if (step.spendLimit) return error(429, 'rate_limit_error', 'You have reached your specified API usage limits.', {}, { error_code: 'enforced_spend_limit_reached' });
      return error(429, 'rate_limit_error', 'This request would exceed your organization\u2019s rate limit.', {
        'retry-after': String(step.retryAfterSeconds ?? 1),
        'anthropic-ratelimit-requests-remaining': '0',
      });
    }
    if (step?.kind === 'overloaded') return error(529, 'overloaded_error', 'Overloaded');
    if (step?.kind === 'server-error') return error(500, 'api_error', 'Internal server error');

    const forced = b.tool_choice?.type === 'tool' ? b.tool_choice.name : undefined;
    const tool = forced ? b.tools?.find((t) => t.name === forced) : undefined;
    const input = step?.kind === 'tool' ? step.input : tool ? this.#respond(b, tool.name, tool.input_schema) : undefined;
    const content: Array<Record<string, unknown>> = tool
      ? [{ type: 'tool_use', id: randomId('toolu_'), name: tool.name, input }]
      : [{ type: 'text', text: 'Hello from the fake.' }];

    const usage = this.#usage(key, b, content);
    this.answered.set(key, (this.answered.get(key) ?? 0) + 1);
    sendJson(
      res,
      200,
      { id: randomId('msg_'), type: 'message', role: 'assistant', model: b.model, content, stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null, usage },
      { 'request-id': requestId, 'anthropic-organization-id': this.#opts.keys[key] ?? 'org' },
    );
  }

  /** Token counts the way the API reports them: input_tokens excludes the cached prefix. */
  #usage(key: string, b: MessagesRequestBody, content: unknown) {
    const tokens = (v: unknown) => Math.ceil(JSON.stringify(v ?? '').length / 4);
    const system = Array.isArray(b.system) ? b.system : b.system ? [{ type: 'text' as const, text: b.system }] : [];
    const breakpoint = system.findLastIndex((s) => s.cache_control?.type === 'ephemeral');
    // Cache order is tools → system → messages: the prefix up to the breakpoint.
    const prefix = breakpoint >= 0 ? { tools: b.tools ?? [], system: system.slice(0, breakpoint + 1), model: b.model } : undefined;
    const prefixTokens = prefix ? tokens(prefix) : 0;
    const total = tokens({ tools: b.tools ?? [], system, messages: b.messages });
    let cacheWrite = 0;
    let cacheRead = 0;
    if (prefix && prefixTokens >= (this.#opts.minCacheableTokens ?? 1024)) {
      const id = createHash('sha256').update(key).update(JSON.stringify(prefix)).digest('hex');
      if (this.#cache.has(id)) cacheRead = prefixTokens;
      else {
        cacheWrite = prefixTokens;
        this.#cache.add(id);
      }
    }
    return {
      input_tokens: Math.max(1, total - cacheWrite - cacheRead),
      output_tokens: tokens(content),
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
      service_tier: 'standard',
    };
  }
}

function validate(b: MessagesRequestBody): string | undefined {
  if (typeof b.model !== 'string' || !b.model) return 'model: Field required';
  if (!Number.isInteger(b.max_tokens) || b.max_tokens < 1) return 'max_tokens: Field required (a positive integer)';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages: at least one message is required';
  if (b.messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  for (let i = 1; i < b.messages.length; i++) {
    if (b.messages[i]?.role === b.messages[i - 1]?.role) return `messages: roles must alternate between "user" and "assistant" (index ${i})`;
  }
  for (const [i, m] of b.messages.entries()) {
    if (typeof m.content === 'string') continue;
    for (const [j, block] of m.content.entries()) {
      if (block['type'] === 'image') {
        const src = block['source'] as { type?: string; media_type?: string; data?: string } | undefined;
        if (src?.type !== 'base64' || !IMAGE_TYPES.has(src.media_type ?? '') || typeof src.data !== 'string' || src.data.length === 0) {
          return `messages.${i}.content.${j}.image.source: invalid image source`;
        }
        if (Buffer.from(src.data, 'base64').toString('base64') !== src.data) return `messages.${i}.content.${j}.image.source.base64: invalid base64 data`;
      }
    }
  }
  if (b.tool_choice?.type === 'tool') {
    if (!b.tools?.some((t) => t.name === b.tool_choice?.name)) return `tool_choice: tool ${b.tool_choice.name} is not in tools`;
  }
  for (const t of b.tools ?? []) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(t.name)) return `tools: invalid tool name ${t.name}`;
    if (t.input_schema?.['type'] !== 'object') return `tools.${t.name}.input_schema.type: Input should be 'object'`;
  }
  return undefined;
}

/** A minimal value satisfying a JSON Schema (the subset TypeBox emits for the tool schemas). */
export function sampleFromSchema(schema: Record<string, unknown>): unknown {
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  const anyOf = schema['anyOf'] as Array<Record<string, unknown>> | undefined;
  if (anyOf?.[0]) return sampleFromSchema(anyOf[0]);
  switch (schema['type']) {
    case 'object': {
      const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      const out: Record<string, unknown> = {};
      for (const name of (schema['required'] as string[] | undefined) ?? []) if (props[name]) out[name] = sampleFromSchema(props[name]);
      return out;
    }
    case 'array': {
      const n = Math.max(1, Number(schema['minItems'] ?? 1));
      return Array.from({ length: n }, () => sampleFromSchema((schema['items'] ?? {}) as Record<string, unknown>));
    }
    case 'string': {
      const pattern = String(schema['pattern'] ?? '');
      if (pattern.includes('#[0-9a-fA-F]{6}')) return '#336699';
      return 'x'.repeat(Math.max(1, Number(schema['minLength'] ?? 1)));
    }
    case 'integer':
    case 'number':
      return Number(schema['minimum'] ?? 0);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions): Promise<FakeAnthropic> {
  const fake = new FakeAnthropic(opts);
  await fake.server.listen();
  return fake;
}
