import { Counter, type Registry } from 'prom-client';
import type { TokenUsage } from './pricing.ts';

export interface LlmMetrics {
  tokens: Counter<'operation' | 'kind'>;
  cost: Counter<'operation'>;
}

/** The llm counters on a registry (the same objects when asked twice for one registry). */
export function llmMetrics(registry: Registry): LlmMetrics {
  const existing = (name: string) => registry.getSingleMetric(name) as Counter<string> | undefined;
  const tokens =
    (existing('fable_llm_tokens_total') as Counter<'operation' | 'kind'> | undefined) ??
    new Counter({ name: 'fable_llm_tokens_total', help: 'Model tokens by operation and kind (input, output, cache_write, cache_read).', labelNames: ['operation', 'kind'] as const, registers: [registry] });
  const cost =
    (existing('fable_llm_cost_usd_total') as Counter<'operation'> | undefined) ??
    new Counter({ name: 'fable_llm_cost_usd_total', help: 'Model spend in USD by operation (list prices; LLM_PRICING overrides).', labelNames: ['operation'] as const, registers: [registry] });
  return { tokens, cost };
}

export function recordUsage(m: LlmMetrics, operation: string, usage: TokenUsage, costUsd: number | undefined): void {
  if (usage.input) m.tokens.inc({ operation, kind: 'input' }, usage.input);
  if (usage.output) m.tokens.inc({ operation, kind: 'output' }, usage.output);
  if (usage.cacheWrite) m.tokens.inc({ operation, kind: 'cache_write' }, usage.cacheWrite);
  if (usage.cacheRead) m.tokens.inc({ operation, kind: 'cache_read' }, usage.cacheRead);
  if (costUsd) m.cost.inc({ operation }, costUsd);
}
