import type { LlmToolName } from './tools.ts';

/** `usecase` of `create_demo_per_usecase` (marketing when absent, as the old service did). */
export const USECASES = ['marketing', 'step-by-step-guide', 'product'] as const;
export type Usecase = (typeof USECASES)[number];

/**
 * The `/v1/f/llmops` operations (`type` of the request). Each has its own system prompt and
 * forces exactly one tool; `create_demo_per_usecase` picks its tool by `usecase`.
 */
export const LLM_OPERATIONS = {
  create_demo_router: { tools: { default: 'create_guides_router' }, images: 'optional' },
  create_demo_per_usecase: {
    tools: { marketing: 'create_guides_marketing', 'step-by-step-guide': 'create_guides_sbs', product: 'create_guides_sbs' },
    images: 'required',
  },
  theme_suggestion_for_guides: { tools: { default: 'suggest_guide_theme' }, images: 'optional' },
  post_process_demo: { tools: { default: 'post-process-demo' }, images: 'optional' },
  demo_metadata: { tools: { default: 'demo-metadata' }, images: 'optional' },
  update_demo_content: { tools: { default: 'update-demo-content' }, images: 'none' },
  root_router_req: { tools: { default: 'root-router' }, images: 'none' },
} as const satisfies Record<string, { tools: Partial<Record<Usecase | 'default', LlmToolName>>; images: 'required' | 'optional' | 'none' }>;

export type LlmOperation = keyof typeof LLM_OPERATIONS;
export const LLM_OPERATION_NAMES = Object.keys(LLM_OPERATIONS) as LlmOperation[];

export function isLlmOperation(type: string): type is LlmOperation {
  return Object.hasOwn(LLM_OPERATIONS, type);
}

/** The tool an operation forces, given the request's `usecase`. */
export function toolFor(op: LlmOperation, usecase: string | undefined): LlmToolName {
  const tools = LLM_OPERATIONS[op].tools as Partial<Record<string, LlmToolName>>;
  const byUsecase = tools[usecase ?? 'marketing'];
  return byUsecase ?? tools['default'] ?? (tools['marketing'] as LlmToolName);
}

/** Unknown `type` of `/v1/f/llmops` (the old service's code, kept for the frontend). */
export const LLMOPS_UNKNOWN_TYPE = 101;
