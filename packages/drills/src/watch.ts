import type { Fleet } from './fleet.ts';

/** Ms until the number of distinct effects grows past `from` (the fleet is making progress again). */
export async function untilProgress(fleet: Fleet, from: number, timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if ((await fleet.effectCount()) > from) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Number.NaN;
}
