import type { Readable } from 'node:stream';
import { Pool } from 'undici';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, else undefined. */
  json: unknown;
}

export interface HttpRequest {
  method?: string;
  /** Sent exactly as given (no URL normalisation: path tricks reach the server as written). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable | undefined;
  timeoutMs?: number;
}

/** Real HTTP to one loopback origin; the path is sent verbatim (path tricks arrive as written), a connection error is status 0. */
export class Http {
  readonly origin: string;
  readonly #client: Pool;

  constructor(origin: string, opts: { connections?: number } = {}) {
    this.origin = origin;
    this.#client = new Pool(origin, { pipelining: 1, connections: opts.connections ?? 16, headersTimeout: 60_000, bodyTimeout: 60_000 });
  }

  async request(r: HttpRequest): Promise<HttpAnswer> {
    const signal = AbortSignal.timeout(r.timeoutMs ?? 30_000);
    try {
      const res = await this.#client.request({ method: (r.method ?? 'GET') as 'GET', path: r.path, headers: r.headers ?? {}, body: r.body ?? null, signal });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, text, json };
    } catch (err) {
      return { status: 0, headers: {}, text: `${(err as Error).name}: ${(err as Error).message}`, json: undefined };
    }
  }

  async close(): Promise<void> {
    await this.#client.destroy();
  }
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
