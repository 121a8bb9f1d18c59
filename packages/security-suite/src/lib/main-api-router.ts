import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/** One main API server made of the integrations and llm fakes (production has one API_SERVER_ENDPOINT): forwards by path. */
export class MainApiRouter {
  readonly #server: Server;
  url = '';

  constructor(route: (path: string) => string) {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const target = `${route(req.url ?? '/')}${req.url ?? '/'}`;
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>;
        const up = await request(target, { method: (req.method ?? 'GET') as 'GET', headers, body: chunks.length ? Buffer.concat(chunks) : null });
        const body = Buffer.from(await up.body.arrayBuffer());
        const out = Object.fromEntries(Object.entries(up.headers).filter(([k]) => !['connection', 'transfer-encoding', 'content-length', 'keep-alive'].includes(k)));
        res.writeHead(up.statusCode, out as Record<string, string>);
        res.end(body);
      } catch (err) {
        res.writeHead(502).end((err as Error).message);
      }
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
