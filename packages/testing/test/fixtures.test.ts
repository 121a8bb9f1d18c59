import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '@fable-jobs/contracts';
import { createHarness, startRedisServer, startSqs, until, waitForJob } from '../src/index.ts';

describe('test fixtures', () => {
  it('startRedisServer: a private Redis that can be killed and restarted on the same port', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await client.set('k', 'v');
      await server.kill();
      await expect(client.get('k')).rejects.toThrow();
      await server.restart();
      await until(async () => (await client.ping().catch(() => '')) === 'PONG', { what: 'reconnect' });
      expect(await client.get('k')).toBeNull(); // no persistence
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('waitForJob resolves on the wanted state and rejects on the other final one', async () => {
    const h = await createHarness();
    const queue = new Queue('fixture.q', { connection: h.producer, prefix: h.prefix });
    const worker = new Worker('fixture.q', async (job) => {
      if (job.data.fail) throw new Error('asked to fail');
      return 'done';
    }, { connection: h.worker, prefix: h.prefix });
    try {
      const ok = waitForJob(queue, 'a', 'completed', { connection: h.producer, timeoutMs: 10_000 });
      await queue.add('x', {}, { jobId: 'a' });
      expect((await ok).returnvalue).toBe('done');
      await queue.add('x', { fail: true }, { jobId: 'b' });
      await expect(waitForJob(queue, 'b', 'completed', { connection: h.producer, timeoutMs: 10_000 })).rejects.toThrow(/ended failed, expected completed: asked to fail/);
      await expect(waitForJob(queue, 'a', 'failed', { connection: h.producer, timeoutMs: 5_000 })).rejects.toThrow(/ended completed, expected failed/);
      await expect(waitForJob(queue, 'missing', 'completed', { connection: h.producer, timeoutMs: 200 })).rejects.toThrow(/did not reach completed within 200 ms \(state: missing\)/);
    } finally {
      await worker.close();
      await queue.close();
      await h.close();
    }
  });

  it('startSqs: queues with a dead-letter queue, send, depth and drain', async () => {
    const sqs = await startSqs();
    try {
      const { queueUrl, dlqUrl } = await sqs.createQueues({ maxReceiveCount: 2 });
      const ids = await sqs.send(queueUrl, [encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'a' }), encodeMessage('NF', 'json', { eventName: 'X' })]);
      expect(ids).toHaveLength(2);
      expect(await sqs.depth(queueUrl)).toEqual({ visible: 2, inFlight: 0 });
      const got = await sqs.drain(queueUrl);
      expect(got.map((m) => m.Body).sort()).toEqual(['SYSTEM_NOOP', '{"type":"NF","data":{"eventName":"X"}}']);
      expect(got.find((m) => m.Body === 'SYSTEM_NOOP')?.MessageAttributes?.['note']?.StringValue).toBe('a');
      expect(await sqs.depth(queueUrl)).toEqual({ visible: 0, inFlight: 2 });
      expect(await sqs.depth(dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
    } finally {
      await sqs.stop();
    }
  });
});
