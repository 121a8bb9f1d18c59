import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Health } from './health.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/**
 * Whether an Authorization header carries the metrics bearer token (always, when no token is
 * configured). Compared as digests in constant time: the header's length tells nothing either.
 */
export function metricsAllowed(authorization: string | undefined, token: string): boolean {
  if (!token) return true;
  const m = /^Bearer (\S+)$/.exec(authorization ?? '');
  if (!m?.[1]) return false;
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}

/**
 * /health, /ready and /metrics for processes without the API (standalone bridge and workers),
 * so each can be probed and scraped on its own.
 */
export async function serveOps(opts: { port: number; host?: string; metrics: Metrics; health: Health; log: Logger; metricsToken?: string }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'application/json', '{"status":"method not allowed"}');
    if (path === '/health') return send(200, 'application/json', '{"status":"up"}');
    if (path === '/ready') {
      void opts.health.run().then((r) => send(r.ok ? 200 : 503, 'application/json', JSON.stringify(r)));
      return;
    }
    if (path === '/metrics') {
      if (!metricsAllowed(req.headers.authorization, opts.metricsToken ?? '')) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' });
        return res.end('{"status":"unauthorized"}');
      }
      void opts.metrics.text().then(
        (text) => send(200, 'text/plain; version=0.0.4', text),
        (err: Error) => send(500, 'text/plain', `# metrics failed: ${err.message}\n`),
      );
      return;
    }
    send(404, 'application/json', '{"status":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const addr = server.address();
  opts.log.info({ port: typeof addr === 'object' && addr ? addr.port : opts.port }, 'ops endpoints on /health /ready /metrics');
  return server;
}
