const SENSITIVE_HEADER = /(auth|token|secret|key|signature|passw|cookie|session|credential)/i;
export const MASK = '***';

/** Headers safe to store and log: values of credential-like headers are replaced by ***. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SENSITIVE_HEADER.test(k) ? MASK : v;
  return out;
}

/**
 * A URL safe to store and log: no user info, query values masked, and the token segments of a
 * Zapier catch-hook URL (the URL is the credential there) masked.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid URL]';
  }
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, MASK);
  const catchHook = /^(\/hooks\/catch\/)[^/]+\/[^/]+/.exec(url.pathname);
  if (catchHook) url.pathname = url.pathname.replace(catchHook[0], `${catchHook[1]}${MASK}/${MASK}`);
  return url.href.replace(/%2A%2A%2A/g, MASK);
}

/** At most `max` characters, marked when cut. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…[truncated ${s.length - max} chars]`;
}
