/**
 * Milliseconds to wait from a Retry-After header (delta-seconds or an HTTP date), or undefined
 * when absent or unreadable. Capped so a hostile or broken value cannot park a queue for days.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now(), capMs = 15 * 60_000): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(raw)) ms = Number(raw) * 1000;
  else {
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(capMs, Math.max(0, Math.ceil(ms)));
}
