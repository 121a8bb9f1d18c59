// The integrations benchmark's servers, each in its own process (their CPU is not the code under
// test's): ROLE=receiver, the tenant endpoint both sides POST to (prints "RECEIVER <port>");
// ROLE=mainapi, the main API fake only our pool calls (prints "MAINAPI <port>"), pointing its
// integrations at RECEIVER_PORT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeMainApi } from '@fable-jobs/testing';

const delayMs = Number(process.env['RECEIVER_DELAY_MS'] ?? 0);
const tenants = Number(process.env['TENANTS'] ?? 100);

if (process.env['ROLE'] === 'mainapi') await mainApi(Number(process.env['RECEIVER_PORT']));
else await receive();

async function receive(): Promise<void> {
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
receiver.keepAliveTimeout = 10_000;
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const port = (receiver.address() as AddressInfo).port;
process.stdout.write(`RECEIVER ${port}\n`);
process.on('SIGTERM', () => receiver.close(() => process.exit(0)));
}

async function mainApi(port: number): Promise<void> {
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
        url: `http://127.0.0.1:${port}/hook/${i}`,
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
