import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The job's signal (timeout, cancel, shutdown). */
  signal?: AbortSignal | undefined;
  /** Total time for connect, send and the whole response. */
  timeoutMs: number;
  /** Bytes of the response body kept; the rest is discarded unread. */
  maxResponseBytes: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
  durationMs: number;
}

/** The request did not produce a response: refused, reset, DNS, timeout, aborted. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** The underlying error's code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, ...). */
  readonly causeCode: string | undefined;
  constructor(message: string, opts: { timedOut?: boolean; aborted?: boolean; causeCode?: string | undefined; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.timedOut = opts.timedOut ?? false;
    this.aborted = opts.aborted ?? false;
    this.causeCode = opts.causeCode;
  }
}

/** An agent with a connect timeout for calls to configured providers (not tenant URLs). */
export function providerAgent(connectTimeoutMs: number): Agent {
  return new Agent({ connect: { timeout: connectTimeoutMs }, connections: 256, keepAliveTimeout: 10_000 });
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return undefined;
}

/** Errors raised by our own guards travel through unchanged (they carry their own code). */
function isPolicyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && ['BlockedAddressError', 'PermanentError'].includes((err as Error).name);
}

function transportError(err: unknown, label: string, timeout: AbortSignal, jobSignal: AbortSignal | undefined, timeoutMs: number): Error {
  if (isPolicyError(err)) return err as Error;
  const cause = (err as { cause?: unknown })?.cause;
  if (isPolicyError(cause)) return cause as Error;
  const code = codeOf(err);
  if (timeout.aborted || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new TransportError(`${label}: no complete answer within ${timeoutMs} ms${code && code !== 'ABORT_ERR' ? ` (${code})` : ''}`, { timedOut: true, causeCode: code, cause: err });
  }
  if (jobSignal?.aborted) return new TransportError(`${label}: aborted (${String((jobSignal.reason as Error)?.message ?? jobSignal.reason)})`, { aborted: true, causeCode: code, cause: err });
  const msg = err instanceof Error ? err.message : String(err);
  return new TransportError(`${label}: ${code ?? 'network error'}${msg && !msg.includes(code ?? '\u0000') ? ` (${msg})` : ''}`, { causeCode: code, cause: err });
}

/**
 * One HTTP request with a total deadline (AbortSignal) on top of the dispatcher's connect
 * timeout, and a capped response body. `label` names the call in errors instead of the URL, so
 * a key in a query string never reaches a message.
 */
export async function send(dispatcher: Dispatcher, req: OutboundRequest, label: string): Promise<OutboundResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const t0 = performance.now();
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      method: req.method,
      headers: req.headers ?? {},
      body: req.body ?? null,
      signal,
      dispatcher,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
  } catch (err) {
    throw transportError(err, label, timeout, req.signal, req.timeoutMs);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of res.body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      const room = req.maxResponseBytes - size;
      if (buf.length > room) {
        if (room > 0) chunks.push(buf.subarray(0, room));
        size = req.maxResponseBytes;
        truncated = true;
        break;
      }
      chunks.push(buf);
      size += buf.length;
    }
  } catch (err) {
    throw transportError(err, label, timeout, req.signal, req.timeoutMs);
  } finally {
    // Discard what we did not read instead of buffering an unbounded answer.
    if (truncated) res.body.destroy();
  }
  return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncated, durationMs: Math.round(performance.now() - t0) };
}

/** The body parsed as JSON, or undefined. */
export function jsonOf(body: string): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A header's first value. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
