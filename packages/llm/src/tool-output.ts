import type { ContentBlock, Message } from '@anthropic-ai/sdk/resources/messages';
import { toolInputProblems, type AssistantMessage, type LlmToolName, type UserPayload } from '@fable-jobs/contracts';

export type ToolCheck = { ok: true; toolUseId: string; input: Record<string, unknown> } | { ok: false; toolUseId: string | undefined; reason: string };

/**
 * Check the model's answer: one tool_use block of the forced tool whose input matches its
 * schema, and refers only to things that exist in the request (screen ids, a single annotation).
 */
export function checkToolOutput(name: LlmToolName, message: Pick<Message, 'content'>, payload: UserPayload): ToolCheck {
  const uses = message.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use' && b.name === name);
  const use = uses[0];
  if (!use) return { ok: false, toolUseId: undefined, reason: `no ${name} tool call in the answer` };
  if (uses.length > 1) return { ok: false, toolUseId: use.id, reason: `${uses.length} ${name} tool calls; exactly one is expected` };
  const problems = toolInputProblems(name, use.input);
  if (problems) return { ok: false, toolUseId: use.id, reason: problems };
  const input = use.input as Record<string, unknown>;
  if (name === 'create_guides_marketing' || name === 'create_guides_sbs') {
    const known = new Set((payload.refsForMMV ?? []).map((r) => String(r.id)));
    const items = input['items'] as Array<{ screenId: string | number }>;
    const unknown = items.map((i) => String(i.screenId)).filter((id) => !known.has(id));
    if (unknown.length > 0) return { ok: false, toolUseId: use.id, reason: `/items: screenId ${unknown.slice(0, 5).join(', ')} is not one of the screens sent (${[...known].join(', ')})` };
  }
  if (name === 'update-demo-content' && payload.change_type === 'single-annotation') {
    const n = (input['items'] as unknown[]).length;
    if (n !== 1) return { ok: false, toolUseId: use.id, reason: `/items: a single-annotation change must return exactly 1 item, got ${n}` };
  }
  return { ok: true, toolUseId: use.id, input };
}

/** The answer as the frontend receives it: text and tool_use blocks only. */
export function assistantMessage(message: Pick<Message, 'content'>): AssistantMessage {
  const content: AssistantMessage['content'] = [];
  for (const b of message.content) {
    if (b.type === 'text') content.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use') content.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input as Record<string, unknown> });
  }
  return { role: 'assistant', content };
}
