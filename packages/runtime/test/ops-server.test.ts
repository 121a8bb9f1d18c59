import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Health, Metrics, createLogger, metricsAllowed, serveOps } from '../src/index.ts';

describe('ops endpoints', () => {
  it('metricsAllowed: open without a token; with one, only the exact bearer token', () => {
    expect(metricsAllowed(undefined, '')).toBe(true);
    expect(metricsAllowed(undefined, 'tok')).toBe(false);
    expect(metricsAllowed('Bearer tok', 'tok')).toBe(true);
    expect(metricsAllowed('Bearer tok2', 'tok')).toBe(false);
    expect(metricsAllowed('Bearer to', 'tok')).toBe(false);
    expect(metricsAllowed('bearer tok', 'tok')).toBe(false);
    expect(metricsAllowed('Basic tok', 'tok')).toBe(false);
  });

  it('serveOps guards /metrics with METRICS_TOKEN and leaves /health open', async () => {
    const metrics = new Metrics({ labels: { process: 'ops-test' } });
    const server = await serveOps({ port: 0, host: '127.0.0.1', metrics, health: new Health(), log: createLogger({ level: 'silent' }), metricsToken: 'ops-tok' });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const denied = await fetch(`${base}/metrics`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const ok = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer ops-tok' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('fable_');
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
