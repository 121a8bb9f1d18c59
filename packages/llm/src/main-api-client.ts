import type { Logger } from '@fable-jobs/runtime';
import { ServiceError } from './errors.ts';

export interface RunReport {
  runId: string;
  thread: string;
  entityId: string | undefined;
  type: string;
  model: string;
  v: string | number;
}

export interface RunUpdate {
  id: string;
  runId: string;
  status: 'succeeded' | 'failed';
  output: unknown;
  errorCode: string | undefined;
  usage: { inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number };
  costUsd: number | null;
  durationMs: number | null;
}

/**
 * The main API server (`API_SERVER_ENDPOINT`, paths under /v1, `ApiResp` envelope). Calls made
 * for a user carry that user's own Authorization header, as the old service did; it never
 * appears in logs or errors.
 */
export class MainApiClient {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #log: Logger;

  constructor(opts: { baseUrl: string; timeoutMs: number; log: Logger }) {
    this.#base = opts.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs;
    this.#log = opts.log;
  }

  /** `POST /v1/f/llmrun`: the id the server gives the run (undefined when it gives none). */
  async reportRun(authorization: string, run: RunReport): Promise<string | undefined> {
    const data = await this.#call<{ id?: unknown } | null>('POST', '/v1/f/llmrun', authorization, run);
    return typeof data?.id === 'string' || typeof data?.id === 'number' ? String(data.id) : undefined;
  }

  /** `POST /v1/f/updatellmrun`. */
  async updateRun(authorization: string, update: RunUpdate): Promise<void> {
    await this.#call('POST', '/v1/f/updatellmrun', authorization, update);
  }

  /** `POST /v1/f/deductcredit` with `{deductBy, creditType: "AI_CREDIT"}`. */
  async deductCredits(authorization: string, deductBy: number): Promise<void> {
    await this.#call('POST', '/v1/f/deductcredit', authorization, { deductBy, creditType: 'AI_CREDIT' });
  }

  /** `GET /v1/f/getuploadlink?te=<base64 content type>`: a presigned upload URL and its CDN path. */
  async uploadLink(authorization: string, contentType: string): Promise<{ url: string; cdnPath: string }> {
    const te = Buffer.from(contentType, 'utf8').toString('base64');
    const data = await this.#call<{ url?: unknown; cdnPath?: unknown }>('GET', `/v1/f/getuploadlink?te=${encodeURIComponent(te)}`, authorization);
    if (typeof data?.url !== 'string' || typeof data.cdnPath !== 'string' || !/^https?:\/\//.test(data.url)) {
      throw new ServiceError('MAIN_API_FAILED', 502, 'the main API server gave no usable upload link');
    }
    return { url: data.url, cdnPath: data.cdnPath };
  }

  /** `GET /v1/cconfig` (public client configuration; has pubTourAssetPath). */
  async clientConfig(): Promise<{ pubTourAssetPath: string }> {
    const data = await this.#call<{ pubTourAssetPath?: unknown }>('GET', '/v1/cconfig', undefined);
    if (typeof data?.pubTourAssetPath !== 'string') throw new ServiceError('MAIN_API_FAILED', 502, 'cconfig has no pubTourAssetPath');
    return { pubTourAssetPath: data.pubTourAssetPath };
  }

  async #call<T>(method: 'GET' | 'POST', path: string, authorization: string | undefined, body?: unknown): Promise<T> {
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization ? { authorization } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new ServiceError('MAIN_API_FAILED', 502, `main API server ${method} ${path.split('?')[0]} failed: ${(err as Error).name}`, { cause: err });
    }
    const text = await res.text();
    let parsed: { status?: unknown; data?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as { status?: unknown; data?: unknown };
    } catch {
      parsed = undefined;
    }
    this.#log.debug({ method, path: path.split('?')[0], status: res.status, ms: Math.round(performance.now() - started) }, 'main API server call');
    if (!res.ok || parsed?.status !== 'Success') {
      throw new ServiceError('MAIN_API_FAILED', 502, `main API server ${method} ${path.split('?')[0]} answered HTTP ${res.status}${parsed?.status ? ` (${String(parsed.status)})` : ''}`);
    }
    return parsed.data as T;
  }
}
