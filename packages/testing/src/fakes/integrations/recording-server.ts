import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path with the query string, as sent. */
  url: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
  /** Date.now() when the request was complete. */
  at: number;
}

/** What a fake answers. `hang` never answers (a timeout); `reset` drops the connection. */
export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  delayMs?: number;
  hang?: boolean;
  reset?: boolean;
}

export type Matcher = string | ((r: RecordedRequest) => boolean);
export type Handler = (r: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

/** `'POST /path'` matches that method and path (a trailing `*` matches a prefix). */
function matches(m: Matcher, r: RecordedRequest): boolean {
  if (typeof m === 'function') return m(r);
  const [method, pattern = ''] = m.split(' ');
  if (method !== r.method) return false;
  return pattern.endsWith('*') ? r.path.startsWith(pattern.slice(0, -1)) : r.path === pattern;
}

/**
 * An HTTP server on loopback that records every request and answers from a script first (for
 * errors, 429s, timeouts), then from its default handler (the provider's normal behaviour).
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  readonly #handler: Handler;
  readonly #scripts: Array<{ match: Matcher; responses: FakeResponse[] }> = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  readonly #host: string;

  constructor(handler: Handler, opts: { host?: string } = {}) {
    this.#handler = handler;
    this.#host = opts.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.#port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.#host, () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answer the next matching requests with these responses, in order, before the default handler. */
  script(match: Matcher, ...responses: FakeResponse[]): this {
    this.#scripts.push({ match, responses: [...responses] });
    return this;
  }

  /** Requests received that match (all when no matcher). */
  received(match?: Matcher): RecordedRequest[] {
    return match === undefined ? [...this.requests] : this.requests.filter((r) => matches(match, r));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://fake');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const recorded: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', path: u.pathname, query: Object.fromEntries(u.searchParams), headers, body, json, at: Date.now() };
    this.requests.push(recorded);

    const script = this.#scripts.find((s) => s.responses.length > 0 && matches(s.match, recorded));
    let answer: FakeResponse;
    try {
      answer = script ? (script.responses.shift() as FakeResponse) : await this.#handler(recorded);
    } catch (err) {
      answer = { status: 500, body: { error: (err as Error).message } };
    }
    if (answer.hang) return;
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer.reset) {
      req.socket.destroy();
      return;
    }
    const isText = typeof answer.body === 'string' || answer.body === undefined;
    const payload = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
    const outHeaders: Record<string, string> = { ...(isText ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...answer.headers };
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(answer.status, outHeaders);
      res.end(payload);
    }
  }
}
