import { readFileSync } from 'node:fs';
import type { ContentBlockParam, MessageCreateParamsNonStreaming, TextBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { LLM_TOOLS, toolFor, type LlmOperation, type LlmToolName, type UserPayload } from '@fable-jobs/contracts';
import type { ScreenImage } from './images.ts';

const PROMPTS_DIR = new URL('../prompts/', import.meta.url);

/** System prompt file of each operation (create_demo_per_usecase: by usecase). */
const PROMPT_FILES: Record<LlmOperation, string | Record<string, string>> = {
  create_demo_router: 'create-demo-router.md',
  create_demo_per_usecase: { marketing: 'create-demo-marketing.md', 'step-by-step-guide': 'create-demo-sbs.md', product: 'create-demo-sbs.md' },
  theme_suggestion_for_guides: 'theme-suggestion-for-guides.md',
  post_process_demo: 'post-process-demo.md',
  demo_metadata: 'demo-metadata.md',
  update_demo_content: 'update-demo-content.md',
  root_router_req: 'root-router-req.md',
};

const cache = new Map<string, string>();

function readPrompt(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(file, PROMPTS_DIR), 'utf8').trim();
    cache.set(file, text);
  }
  return text;
}

export function systemPrompt(op: LlmOperation, usecase: string | undefined): string {
  const file = PROMPT_FILES[op];
  return readPrompt(typeof file === 'string' ? file : (file[usecase ?? 'marketing'] ?? (file['marketing'] as string)));
}

/** Every prompt file exists and is readable (checked at pool start). */
export function loadAllPrompts(): number {
  const files = new Set(Object.values(PROMPT_FILES).flatMap((f) => (typeof f === 'string' ? [f] : Object.values(f))));
  for (const f of files) readPrompt(f);
  return files.size;
}

/** `user_payload` field → section tag, in the order sections appear in the user message. */
const SECTIONS: Array<[keyof UserPayload, string]> = [
  ['product_details', 'product_details'],
  ['demo_objective', 'demo_objective'],
  ['req', 'product_enablement'],
  ['info_retrieval', 'info_retrieval'],
  ['module_recommendations', 'module_recommendations'],
  ['theme_objective', 'theme_objective'],
  ['existing_palette', 'existing_palette'],
  ['change_type', 'change_type'],
  ['requested_change', 'requested_change'],
  ['demo_state', 'demo_state'],
  ['totalBatch', 'batch'],
];

/** The router operations read `req` as the user's own request. */
const REQ_IS_USER_REQUEST: ReadonlySet<LlmOperation> = new Set(['create_demo_router', 'root_router_req']);

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.trim() === '' ? undefined : text;
}

/** Tag bodies cannot close their own section early. */
function escapeSection(tag: string, body: string): string {
  return body.split(`</${tag}>`).join(`<\\/${tag}>`);
}

export function tagged(op: LlmOperation, payload: UserPayload): string {
  const parts: string[] = [];
  for (const [field, tag0] of SECTIONS) {
    const tag = field === 'req' && REQ_IS_USER_REQUEST.has(op) ? 'user_request' : tag0;
    const text = asText(payload[field]);
    if (text !== undefined) parts.push(`<${tag}>\n${escapeSection(tag, text)}\n</${tag}>`);
  }
  return parts.join('\n\n');
}

// Images cost about (width × height) / 750 tokens, capped near 1600 by the API's resizing.
const TOKENS_PER_IMAGE = 1600;

/** Input tokens of an operation's request, estimated from the payload before images are read. */
export function estimateInputTokens(op: LlmOperation, payload: UserPayload, images: number): number {
  const { refsForMMV: _refs, ...text } = payload;
  const tool = LLM_TOOLS[toolFor(op, payload.usecase)];
  const chars = systemPrompt(op, payload.usecase).length + JSON.stringify(text).length + JSON.stringify(tool.schema).length + images * 80;
  return Math.ceil(chars / 4) + images * TOKENS_PER_IMAGE;
}

export interface BuiltRequest {
  tool: LlmToolName;
  params: MessageCreateParamsNonStreaming;
  /** Rough input size in tokens, for the rate limiter's reservation. */
  estimatedInputTokens: number;
}

/**
 * The Messages API request of one operation: its system prompt (cached), exactly one tool,
 * `tool_choice` forcing it, and a user message of tagged sections followed by the screens
 * (each image preceded by its id and notes).
 */
export function buildRequest(op: LlmOperation, payload: UserPayload, images: readonly ScreenImage[], opts: { model: string; maxTokens: number }): BuiltRequest {
  const toolName = toolFor(op, payload.usecase);
  const tool = LLM_TOOLS[toolName];
  const system: TextBlockParam[] = [{ type: 'text', text: systemPrompt(op, payload.usecase), cache_control: { type: 'ephemeral' } }];
  const content: ContentBlockParam[] = [];
  const sections = tagged(op, payload);
  if (sections) content.push({ type: 'text', text: sections });
  for (const img of images) {
    const notes = img.ref.moreInfo?.trim();
    content.push({ type: 'text', text: `Screen id: ${String(img.ref.id)}${notes ? `\nNotes: ${notes}` : ''}` });
    content.push({ type: 'image', source: { type: 'base64', media_type: img.mediaType, data: img.base64 } });
  }
  content.push({ type: 'text', text: `Answer by calling the ${tool.name} tool.` });
  const inputSchema = JSON.parse(JSON.stringify(tool.schema)) as { type: 'object'; properties?: unknown; required?: string[] };
  const params: MessageCreateParamsNonStreaming = {
    model: opts.model,
    max_tokens: opts.maxTokens,
    system,
    tools: [{ name: tool.name, description: tool.description, input_schema: inputSchema }],
    tool_choice: { type: 'tool', name: tool.name, disable_parallel_tool_use: true },
    messages: [{ role: 'user', content }],
  };
  const textChars = (system[0]?.text.length ?? 0) + sections.length + JSON.stringify(inputSchema).length;
  return { tool: toolName, params, estimatedInputTokens: Math.ceil(textChars / 4) + images.length * TOKENS_PER_IMAGE };
}
