import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QueueSet, enqueue, registerQueueGauges } from '@fable-jobs/queue';
import { Writable } from 'node:stream';
import { Health, createLogger } from '@fable-jobs/runtime';
import { createHarness, type Harness } from '@fable-jobs/testing';
import { buildApp } from '../src/index.ts';

let h: Harness;
let app: FastifyInstance;
let queues: QueueSet;
let health: Health;

beforeEach(async () => {
  h = await createHarness();
  queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
  health = new Health().add('redis', async () => ({ ok: (await h.producer.ping()) === 'PONG' }));
  registerQueueGauges(h.metrics, queues);
  app = await buildApp({ config: h.config, log: h.log, metrics: h.metrics, health, queues });
});
afterEach(async () => {
  await app.close();
  await queues.close();
  await h.close();
});

describe('operational routes', () => {
  it('GET /health answers like the old service', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'up' });
  });

  it('GET /ready reports each dependency and turns 503 when one fails', async () => {
    expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ ok: true, checks: { redis: { ok: true } } });
    health.add('postgres', async () => {
      throw new Error('connection refused');
    });
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.postgres).toEqual({ ok: false, detail: 'connection refused' });
  });

  it('GET /metrics exposes queue depth per state and the oldest waiting age', async () => {
    await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'm-1' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/fable_queue_jobs\{queue="system.noop",state="waiting"\} 1/);
    expect(text).toMatch(/fable_queue_jobs\{queue="media.transcode-video",state="failed"\} 0/);
    expect(text).toMatch(/fable_queue_oldest_waiting_age_seconds\{queue="system.noop"\} \d/);
    expect(text).toContain('# TYPE fable_jobs_failed_total counter');
  });

  it('unknown routes get the ApiResp failure envelope', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'no route GET /nope', errCode: 'NOT_FOUND' } });
  });

  it('refuses JSON nested deeper than 64 levels with 400 (it would overflow the stack when serialised)', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    app.post('/echo', async (req) => ({ ok: Array.isArray(req.body) }));
    // Routes of encapsulated plugins (the feature routes, the admin API) get the check too.
    void app.register(async (child) => {
      child.put('/plugin-echo', async () => ({ ok: true }));
    });
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'the JSON body is nested deeper than 64 levels', errCode: 'BODY_TOO_DEEP' } });
    const ok = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '[[[1]]]' });
    expect(ok.json()).toEqual({ ok: true });
    const inPlugin = await app.inject({ method: 'PUT', url: '/plugin-echo', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(inPlugin.json()).toMatchObject({ data: { errCode: 'BODY_TOO_DEEP' } });
  });

  it('logs each request with its id, redacted, except probes and scrapes', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger({ level: 'info', destination: sink });
    const logged = await buildApp({ config: h.config, log, metrics: h.metrics, health, queues });
    try {
      await logged.inject({ method: 'GET', url: '/health' });
      await logged.inject({ method: 'GET', url: '/metrics?x=1' });
      await logged.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'req-42', authorization: 'Bearer s3cr3t' } });
    } finally {
      await logged.close();
    }
    const requestLines = lines.filter((l) => 'reqId' in l);
    expect(requestLines.map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean)).toEqual(['/nope']);
    expect(requestLines.every((l) => l.reqId === 'req-42')).toBe(true);
    expect(requestLines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
  });
  it('/metrics asks for the bearer token when METRICS_TOKEN is set', async () => {
    const guarded = await buildApp({ config: { ...h.config, app: { ...h.config.app, metricsToken: 'metrics-tok-1' } }, log: h.log, metrics: h.metrics, health, queues });
    try {
      const none = await guarded.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(none.body).not.toContain('fable_');
      expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-tok-2' } })).statusCode).toBe(401);
      expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Basic metrics-tok-1' } })).statusCode).toBe(401);
      const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-tok-1' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('# TYPE fable_jobs_failed_total counter');
      // Probes stay open.
      expect((await guarded.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
