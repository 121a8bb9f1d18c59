import { POOLS, isPool, type Pool } from '@fable-jobs/contracts';

/** `--pool` values → pools (`all` = every pool). */
export function parsePools(values: readonly string[]): Pool[] {
  const out = new Set<Pool>();
  for (const raw of values.flatMap((v) => v.split(','))) {
    const v = raw.trim();
    if (!v) continue;
    if (v === 'all') POOLS.forEach((p) => out.add(p));
    else if (isPool(v)) out.add(v);
    else throw new Error(`unknown pool "${v}" (pools: ${POOLS.join(', ')}, or all)`);
  }
  if (out.size === 0) throw new Error(`no pool given (pools: ${POOLS.join(', ')}, or all)`);
  return [...out];
}
