import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeMessage, jobIdFor } from '@fable-jobs/contracts';
import { EffectsRepo, LedgerRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet, systemProcessors } from '@fable-jobs/queue';
import { createLogger, startTracing, type Config, type Tracing } from '@fable-jobs/runtime';
import { createHarness, startSqs, testConfig, until, waitForJob, type Harness, type SqsFixture } from '@fable-jobs/testing';
import { Bridge } from '../src/index.ts';

interface Fleet {
  h: Harness;
  sqs: SqsFixture;
  queueUrl: string;
  queueName: string;
  queues: QueueSet;
  /** Origin of the server the processor calls, and the requests it received (path with query). */
  upstream: string;
  calls: string[];
}

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function listen(handler: (req: IncomingMessage, body: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * A real bridge (SQS emulator → Redis) and a PoolRunner for the system pool whose `system.noop`
 * makes one outbound fetch (with a credential in its query) and returns the message's note.
 */
async function startFleet(opts: { tracing: boolean; secretQuery: string }): Promise<Fleet> {
  const h = await createHarness();
  cleanup.push(() => h.close());
  const sqs = await startSqs();
  cleanup.push(() => sqs.stop());
  const { queueUrl, dlqUrl, name: queueName } = await sqs.createQueues();
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, tracing: opts.tracing });
  cleanup.push(() => queues.close());
  const calls: string[] = [];
  const upstream = await listen((req) => calls.push(req.url ?? ''));
  const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics }).add('system', {
    ...base,
    'system.noop': async (data) => {
      const res = await fetch(`${upstream.url}/v1/ping?token=${opts.secretQuery}`);
      await res.arrayBuffer();
      return { echoed: data.note, status: res.status };
    },
  });
  await runner.start();
  cleanup.push(() => runner.forceClose());
  const bridge = new Bridge({
    sqs: sqs.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    log: h.log,
    metrics: h.metrics,
    durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: { ...h.config.bridge, waitTimeSeconds: 1, pollers: 1 },
  });
  bridge.start();
  cleanup.push(async () => {
    bridge.stopIntake();
    await bridge.drain(AbortSignal.timeout(5000));
  });
  return { h, sqs, queueUrl, queueName, queues, upstream: upstream.url, calls };
}

async function traced(exporter?: InMemorySpanExporter, settings: Partial<Config['telemetry']> = {}): Promise<Tracing> {
  const tracing = startTracing({ ...testConfig().config.telemetry, ...settings }, { processName: 'test', log: createLogger({ level: 'silent' }), exporter });
  cleanup.push(() => tracing.shutdown());
  await tracing.ready;
  return tracing;
}

/** Every string a span exports: name, attributes, events, links, status. */
function exported(span: ReadableSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, links: span.links, status: span.status, resource: span.resource.attributes });
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('tracing', () => {
  it('follows a message from the producer through the bridge, BullMQ and the job to its outbound call', async () => {
    const exporter = new InMemorySpanExporter();
    await traced(exporter);
    const secretQuery = `sk-${hex(8)}`;
    const f = await startFleet({ tracing: true, secretQuery });
    const producer = { traceId: hex(16), spanId: hex(8) };
    const note = `payload-canary-${hex(8)}`;
    const [messageId = ''] = await f.sqs.send(f.queueUrl, [
      encodeMessage('SYSTEM_NOOP', 'legacy', { note }, { attributes: { traceparent: `00-${producer.traceId}-${producer.spanId}-01`, tracestate: 'fable=producer' } }),
    ]);
    const jobId = jobIdFor(messageId);
    const done = await waitForJob(f.queues.get('system.noop'), jobId, 'completed', { connection: f.h.producer });
    expect(done.returnvalue).toMatchObject({ echoed: note, status: 200 });
    expect(f.calls).toEqual([`/v1/ping?token=${secretQuery}`]);

    const find = (pred: (s: ReadableSpan) => boolean) => exporter.getFinishedSpans().find(pred);
    await until(() => ['process system.noop', 'run system.noop', 'GET', 'enqueue batch'].every((n) => find((s) => s.name === n)), { what: 'the spans of the run' });
    const message = find((s) => s.name === `process ${f.queueName}`);
    const batch = find((s) => s.name === 'enqueue batch');
    const addBulk = find((s) => s.name === 'addBulk system.noop');
    const process = find((s) => s.name === 'process system.noop');
    const run = find((s) => s.name === 'run system.noop');
    const http = find((s) => s.name === 'GET');
    if (!message || !batch || !addBulk || !process || !run || !http) throw new Error(`missing spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);

    // The bridge's span continues the producer's trace, with ids and types only.
    expect(message.kind).toBe(SpanKind.CONSUMER);
    expect(message.spanContext().traceId).toBe(producer.traceId);
    expect(message.parentSpanContext?.spanId).toBe(producer.spanId);
    expect(message.spanContext().traceState?.get('fable')).toBe('producer');
    expect(message.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.message.id': messageId,
      'messaging.destination.name': f.queueName,
      'fable.message.type': 'SYSTEM_NOOP',
      'fable.job.id': jobId,
      'fable.job.queues': ['system.noop'],
      'fable.bridge.outcome': 'enqueued',
    });
    // The batch's bulk add is its own trace, linked both ways with the message.
    expect(batch.kind).toBe(SpanKind.PRODUCER);
    expect(batch.links.map((l) => l.context.spanId)).toEqual([message.spanContext().spanId]);
    expect(message.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId]);
    expect(addBulk.kind).toBe(SpanKind.PRODUCER);
    expect(addBulk.parentSpanContext?.spanId).toBe(batch.spanContext().spanId);
    // The worker's span is in the producer's trace, under the message; the processor under it; its call under that.
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(producer.traceId);
    expect(process.parentSpanContext?.spanId).toBe(message.spanContext().spanId);
    expect(run.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
    expect(run.attributes).toMatchObject({ 'bullmq.job.id': jobId, 'messaging.message.id': messageId, 'fable.job.attempt': 1 });
    expect(run.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(http.kind).toBe(SpanKind.CLIENT);
    expect(http.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(http.spanContext().traceId).toBe(producer.traceId);
    expect(http.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.full': f.upstream });
    expect(http.attributes['url.path']).toBeUndefined();
    expect(http.attributes['url.query']).toBeUndefined();

    // Neither the payload (in the job's data and its result) nor the URL's credential is in any span.
    for (const span of exporter.getFinishedSpans()) {
      expect(exported(span), span.name).not.toContain(note);
      expect(exported(span), span.name).not.toContain(secretQuery);
    }
  });

  it('a poison message gets a failed span with its code, and good neighbours are traced on their own', async () => {
    const exporter = new InMemorySpanExporter();
    await traced(exporter);
    const f = await startFleet({ tracing: true, secretQuery: 'q' });
    const ids = await f.sqs.send(f.queueUrl, [encodeMessage('TRANSCODE_VIDEO', 'legacy', { key: 'k', sub: 'CONVERT_TO_GIF' }), encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'n' })]);
    await waitForJob(f.queues.get('system.noop'), jobIdFor(ids[1] ?? ''), 'completed', { connection: f.h.producer });
    const bridged = () => exporter.getFinishedSpans().filter((s) => s.name === `process ${f.queueName}`);
    await until(() => bridged().length === 2, { what: 'two message spans' });
    const [poison, good] = [ids[0], ids[1]].map((id) => bridged().find((s) => s.attributes['messaging.message.id'] === id));
    expect(poison?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'BRIDGE_SCHEMA_INVALID' });
    expect(poison?.attributes).toMatchObject({ 'fable.bridge.outcome': 'dead-lettered', 'error.type': 'BRIDGE_SCHEMA_INVALID', 'fable.message.type': 'TRANSCODE_VIDEO' });
    // No producer context: each message starts its own trace.
    expect(poison?.parentSpanContext).toBeUndefined();
    expect(good?.spanContext().traceId).not.toBe(poison?.spanContext().traceId);
  });

  it('is off without an endpoint: no SDK, no spans, no trace context stored with the jobs', async () => {
    const off = await traced(undefined, { endpoint: undefined });
    expect(off.enabled).toBe(false);
    // An SDK registered by someone else would record: the queues must still add nothing.
    const exporter = new InMemorySpanExporter();
    await traced(exporter);
    const f = await startFleet({ tracing: false, secretQuery: 'q' });
    const [id = ''] = await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'n' }, { attributes: { traceparent: `00-${hex(16)}-${hex(8)}-01` } })]);
    const job = await waitForJob(f.queues.get('system.noop'), jobIdFor(id), 'completed', { connection: f.h.producer });
    expect(job.opts.telemetry).toBeUndefined();
    expect(f.calls).toHaveLength(1);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('exports over OTLP/HTTP to <endpoint>/v1/traces with the configured headers, flushed at shutdown', async () => {
    const received: Array<{ path: string; key: string | undefined; body: string }> = [];
    const collector = await listen((req, body) => received.push({ path: req.url ?? '', key: req.headers['x-api-key'] as string | undefined, body }));
    const tracing = await traced(undefined, { endpoint: collector.url, headers: { 'x-api-key': 'collector-key' } });
    expect(tracing.enabled).toBe(true);
    const f = await startFleet({ tracing: true, secretQuery: 'q' });
    const note = `payload-canary-${hex(8)}`;
    const [id = ''] = await f.sqs.send(f.queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note })]);
    await waitForJob(f.queues.get('system.noop'), jobIdFor(id), 'completed', { connection: f.h.producer });
    // Shutdown flushes what the batch processor still holds (it sends every 5 s).
    await tracing.shutdown();
    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.every((r) => r.key === 'collector-key')).toBe(true);
    const all = traces.map((r) => r.body).join('\n');
    expect(all).toContain(`process ${f.queueName}`);
    expect(all).toContain(id);
    expect(all).not.toContain(note);
  });
});
