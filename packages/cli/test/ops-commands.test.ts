import { describe, expect, it } from 'vitest';
import { encodeMessage } from '@fable-jobs/contracts';
import { spawnCli, startSqs } from '@fable-jobs/testing';

async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; json: unknown; text: string }> {
  const p = spawnCli(args, { LOG_LEVEL: 'silent', ...env });
  const { code } = await p.exited;
  const text = p.lines.join('\n');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { code, json, text };
}

describe('fable-jobs operator commands', () => {
  it('dlq list / redrive / audit against the SQS emulator', async () => {
    const sqs = await startSqs();
    try {
      const { name, queueUrl, dlqUrl } = await sqs.createQueues();
      const env = { AWS_ENDPOINT_URL: sqs.endpoint, SQS_Q_NAME: name, BULLMQ_PREFIX: `cli-ops-${name}` };
      const m = encodeMessage('SYSTEM_NOOP', 'legacy', { note: 'stuck' });
      await sqs.send(dlqUrl, [{ body: m.body, attributes: { ...m.attributes, fable_dlq: JSON.stringify({ code: 'BRIDGE_ENQUEUE', reason: 'outage', receiveCount: 5 }) } }]);

      const list = await run(['dlq', 'list', '--source', 'sqs'], env);
      expect(list.code).toBe(0);
      expect(list.json).toEqual([expect.objectContaining({ source: 'sqs-dlq', type: 'SYSTEM_NOOP', code: 'BRIDGE_ENQUEUE', reason: 'outage', count: 5 })]);

      const refused = await run(['dlq', 'redrive'], env);
      expect(refused.code).toBe(2);
      expect(refused.text).toMatch(/--reason/);

      const moved = await run(['dlq', 'redrive', '--type', 'SYSTEM_NOOP', '--reason', 'outage over', '--actor', 'grace'], env);
      expect(moved.json).toMatchObject({ mode: 'manual', moved: 1 });
      expect((await sqs.depth(queueUrl)).visible).toBe(1);

      const audit = await run(['audit', '--action', 'dlq.redrive', '--limit', '500'], env);
      expect((audit.json as Array<Record<string, unknown>>).find((e) => e['actor'] === 'grace' && e['target'] === `${name}-dlq`)).toMatchObject({ reason: 'outage over', source: 'cli' });

      const search = await run(['search', 'colour', 'x'], env);
      expect(search.code).toBe(2);
      expect(search.text).toMatch(/search by one of org, job_key/);
    } finally {
      await sqs.stop();
    }
  });
});
