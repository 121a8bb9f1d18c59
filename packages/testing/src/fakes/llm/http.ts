import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request a fake server received, as it arrived on the wire. */
export interface LlmRecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  at: number;
}

export type LlmFakeHandler = (req: LlmRecordedRequest, res: ServerResponse) => Promise<void> | void;

/**
 * A local HTTP server that records every request and lets tests wait for one by predicate
 * (event-driven, no polling).
 */
export class LlmFakeHttpServer {
  readonly requests: LlmRecordedRequest[] = [];
  readonly #events = new EventEmitter();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #url = '';

  constructor(handler: LlmFakeHandler) {
    this.#events.setMaxListeners(100);
    this.#server = createServer((req, res) => void this.#handle(req, res, handler));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  get url(): string {
    return this.#url;
  }

  /** Requests whose path starts with `prefix` (all when omitted). */
  calls(prefix = ''): LlmRecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  /** Resolve with the first recorded request (past or future) matching `pred`. */
  waitFor(pred: (r: LlmRecordedRequest) => boolean, timeoutMs = 15_000): Promise<LlmRecordedRequest> {
    const hit = this.requests.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#events.off('request', on);
        reject(new Error(`no matching request reached ${this.#url} within ${timeoutMs} ms (got: ${this.requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none'})`));
      }, timeoutMs);
      const on = (r: LlmRecordedRequest) => {
        if (!pred(r)) return;
        clearTimeout(timer);
        this.#events.off('request', on);
        resolve(r);
      };
      this.#events.on('request', on);
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse, handler: LlmFakeHandler): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    let json: unknown;
    if (body.length > 0 && /json/i.test(String(req.headers['content-type'] ?? ''))) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const recorded: LlmRecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, json, at: Date.now() };
    this.requests.push(recorded);
    try {
      await handler(recorded, res);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
    } finally {
      this.#events.emit('request', recorded);
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function randomId(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
}
