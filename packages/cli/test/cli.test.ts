import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EffectsRepo, mysqlKnex } from '@fable-jobs/db';
import { spawnCli, testConfig, until } from '@fable-jobs/testing';

describe('fable-jobs CLI', () => {
  it('refuses to start on bad configuration, listing every problem, exit 1', async () => {
    const proc = spawnCli(['bridge'], { REDIS_URL: 'ftp://cache', BRIDGE_POLLERS: '0', DB_CONN_URL: 'db:70000' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const out = proc.lines.join('\n');
    expect(out).toMatch(/invalid configuration \(3 problems\)/);
    expect(out).toMatch(/REDIS_URL: must use redis or rediss/);
    expect(out).toMatch(/BRIDGE_POLLERS: must be >= 1/);
    expect(out).toMatch(/DB_CONN_URL: port must be 1..65535/);
  });

  it('`start` runs the whole fleet in one process: a message sent with `send` is processed; Ctrl-C stops it', async () => {
    const id = randomBytes(3).toString('hex');
    // BRIDGE_WAIT_SECONDS unset: on the embedded emulator `start` long-polls 2 s, so Ctrl-C is quick.
    const env = { PORT: '0', FAUXQS_PORT: '0', BULLMQ_PREFIX: `cli-${id}`, SQS_Q_NAME: `cli-${id}`, APP_ENV: 'dev', LOG_LEVEL: 'warn' };
    const fleet = spawnCli(['start'], env);
    try {
      await fleet.waitForLine(/Fable Jobs is running/, 60_000);
      const api = /API\s+(http:\/\/\S+)/.exec(await fleet.waitForLine(/^\s+API\s+http/))?.[1];
      const queueUrl = /SQS queue\s+(\S+)/.exec(await fleet.waitForLine(/SQS queue/))?.[1];
      const endpoint = /--endpoint (\S+)/.exec(await fleet.waitForLine(/--endpoint/))?.[1];
      expect(await (await fetch(`${api}/health`)).json()).toEqual({ status: 'up' });
      expect((await fetch(`${api}/admin/queues`)).status).toBe(401);

      const effectKey = `cli-smoke-${id}`;
      const send = spawnCli(['send', 'SYSTEM_EFFECT', '--attr', `effectKey=${effectKey}`, '--endpoint', endpoint ?? '', '--queue-url', queueUrl ?? ''], env);
      expect((await send.exited).code).toBe(0);
      expect(send.lines.join('\n')).toMatch(/sent 1 \(0 failed\)/);

      const mysql = mysqlKnex(testConfig().config.mysql);
      try {
        await until(async () => (await new EffectsRepo(mysql).counts(effectKey)).get(effectKey) === 1, { what: 'effect recorded', timeoutMs: 30_000 });
      } finally {
        await mysql.destroy();
      }
      fleet.child.kill('SIGINT');
      expect(await fleet.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (fleet.child.exitCode === null) fleet.child.kill('SIGKILL');
    }
  });

  it('`send` refuses unknown types unless forced, and `hash-password` makes a scrypt hash', async () => {
    const send = spawnCli(['send', 'NOPE', '--endpoint', 'http://127.0.0.1:9']);
    expect((await send.exited).code).toBe(1);
    expect(send.lines.join('\n')).toMatch(/unknown message type NOPE/);
    const hash = spawnCli(['hash-password', 'correct-horse-battery']);
    expect((await hash.exited).code).toBe(0);
    expect(hash.lines[0]).toMatch(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });
});
