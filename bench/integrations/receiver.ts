// The webhook benchmarks' remote ends (integrations and scale), each in its own process (their CPU
// is not the code under test's): ROLE=receiver, the tenant endpoint that answers every POST after
// RECEIVER_DELAY_MS and counts deliveries by event id (GET /stats, POST /reset; prints
// "RECEIVER <port>"); ROLE=mainapi, the main API fake with TENANTS webhook integrations pointing
// at RECEIVER_PORT (prints "MAINAPI <port>").
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeMainApi } from '@fable-jobs/testing';

if (process.env['ROLE'] === 'mainapi') await mainApi(Number(process.env['RECEIVER_PORT']), Number(process.env['TENANTS'] ?? 400));
else await receiver(Number(process.env['RECEIVER_DELAY_MS'] ?? 0));

async function receiver(delayMs: number): Promise<void> {
  let posts = 0;
  const events = new Set<string>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/stats') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ posts, distinct: events.size }));
        return;
      }
      if (req.method === 'POST' && req.url === '/reset') {
        posts = 0;
        events.clear();
        res.writeHead(204).end();
        return;
      }
      posts += 1;
      events.add(String(req.headers['x-fable-event-id'] ?? ''));
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  process.stdout.write(`RECEIVER ${(server.address() as AddressInfo).port}\n`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function mainApi(receiverPort: number, tenants: number): Promise<void> {
  const api = await new FakeMainApi().start();
  // The fake keeps every request; the benchmark needs none of them.
  setInterval(() => void api.requests.splice(0), 1000).unref();
  for (let i = 1; i <= tenants; i++) {
    api.integrations.set(String(i), {
      org: { id: 1000 + i },
      platformIntegration: { type: 'FableWebhook' },
      tenantIntegration: {
        id: i,
        tenantConfig: {
          url: `http://127.0.0.1:${receiverPort}/hook/${i}`,
          reqBody: '{"email":"{{email}}","name":"{{firstName}}","demo":"{{demo_rid}}"}',
          reqHeaders: '{"Authorization":"Bearer tenant-{{demo_rid}}"}',
        },
      },
    });
  }
  api.demos.set('1', { id: 1, rid: 'bench-demo', displayName: 'Bench demo' });
  process.stdout.write(`MAINAPI ${api.port}\n`);
  process.on('SIGTERM', () => void api.stop().then(() => process.exit(0)));
}
