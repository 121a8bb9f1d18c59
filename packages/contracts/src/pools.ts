/**
 * Worker pools. Each job belongs to exactly one; a pool is one process type (`fable-jobs worker
 * --pool NAME`) scaled by replicas. `system` holds the fleet's own jobs (noop for tests and
 * benchmarks).
 */
export const POOLS = ['system', 'media', 'analytics', 'integrations', 'llm'] as const;
export type Pool = (typeof POOLS)[number];

export function isPool(value: string): value is Pool {
  return (POOLS as readonly string[]).includes(value);
}
