import { createServer, request, type Server } from 'node:http';

export interface SqsProxy {
  endpoint: string;
  stats: { deletesFailed: number; deletesDelayed: number; forwarded: number };
  /** Decide per call: 'fail' answers 500, 'delay' holds it `delayMs` first, 'pass' forwards. */
  rule: (target: string) => 'fail' | 'delay' | 'pass';
  delayMs: number;
  close(): Promise<void>;
}

/** A loopback proxy in front of the SQS emulator that drops or delays chosen calls (by X-Amz-Target). */
export async function startSqsProxy(upstream: string): Promise<SqsProxy> {
  const up = new URL(upstream);
  const proxy: SqsProxy = {
    endpoint: '',
    stats: { deletesFailed: 0, deletesDelayed: 0, forwarded: 0 },
    rule: () => 'pass',
    delayMs: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const decision = proxy.rule(target);
      if (decision === 'fail') {
        if (target.includes('Delete')) proxy.stats.deletesFailed += 1;
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'injected failure' }));
        return;
      }
      const forward = () => {
        proxy.stats.forwarded += 1;
        const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        fwd.on('error', () => res.destroy());
        fwd.end(Buffer.concat(chunks));
      };
      if (decision === 'delay') {
        if (target.includes('Delete')) proxy.stats.deletesDelayed += 1;
        setTimeout(forward, proxy.delayMs);
      } else forward();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}
