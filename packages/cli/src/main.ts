import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@fable-jobs/runtime';
import { hashPassword } from '@fable-jobs/api';
import { parsePools } from '@fable-jobs/worker';
import { Context } from './context.ts';
import { readEnv } from './env.ts';
import { startApi } from './commands/api.ts';
import { startBridge } from './commands/bridge.ts';
import { migrate } from './commands/migrate.ts';
import { runOpsCommand } from './commands/ops.ts';
import { startOps } from './commands/ops-server.ts';
import { parseData, progressBar, send } from './commands/send.ts';
import { startAll } from './commands/start.ts';
import { startPools } from './commands/worker.ts';

const USAGE = `fable-jobs <command> [options]

  start                      everything in one process (development): embedded SQS/S3 emulator when
                             no AWS endpoint is set, migrations, bridge, every worker pool, API
  bridge                     the SQS → BullMQ bridge
  worker --pool NAME         worker pools: system, media, analytics, integrations, llm, all (repeatable)
  api                        the HTTP API and dashboard
  migrate [--create-databases]
                             create databases (dev/test, or with the flag) and apply migrations
  send TYPE [options]        send catalogue messages to SQS
      --format legacy|json   envelope (default legacy)
      --attr name=value      a String attribute (repeatable)
      --data JSON|@file      payload fields (legacy: one attribute each)
      --count N              how many copies (default 1)   --concurrency C  batches in flight (default 8)
      --idempotency-key K    [--unique-keys: K-0, K-1, ...]
      --queue NAME | --queue-url URL   --endpoint URL   --region R   --force (unknown types too)
  hash-password [PASSWORD]   a scrypt hash for DASHBOARD_USERS (reads stdin when no argument)

  dlq list [--source sqs|jobs|all] [--queue Q] [--limit N]
                             the SQS dead-letter queue and failed jobs, one list
  dlq show ID                one entry with its payload
  dlq redrive [--type T] [--rate N] [--max N] [--dry-run] --reason "..."
                             move DLQ messages back to the main queue
  dlq purge [--what sqs|jobs|all] [--queue Q] --reason "..."
  replay QUEUE JOB_ID [--data file.json] --reason "..."
                             a new job from an old one (edited data validated), linked and audited
  retry [--queue Q] [--code CODE] [--since 2h|ISO] [--until ...] [--dry-run] --reason "..."
                             retry failed jobs in bulk
  search TYPE VALUE          jobs by org | job_key | message_id | idempotency_key | rid | integration
  audit [--action A] [--since 7d] [--limit N]
                             who did what, when and why
      (--actor NAME on any of them; default: your OS user)

Configuration comes from the environment; see .env.example.`;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function context(name: string): Context {
  try {
    return Context.fromEnv(name, readEnv());
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const ctx = context('all-in-one');
      ctx.lifecycle.installSignalHandlers();
      await startAll(ctx);
      return;
    }
    case 'bridge': {
      const ctx = context('bridge');
      ctx.lifecycle.installSignalHandlers();
      await startBridge(ctx);
      await startOps(ctx);
      return;
    }
    case 'worker': {
      const { values } = parseArgs({ args: rest, options: { pool: { type: 'string', multiple: true } } });
      const ctx = context(`worker:${(values.pool ?? []).join('+') || 'env'}`);
      const pools = parsePools(values.pool?.length ? values.pool : ctx.config.worker.pools);
      ctx.lifecycle.installSignalHandlers();
      await startPools(ctx, pools);
      await startOps(ctx);
      return;
    }
    case 'api': {
      const ctx = context('api');
      ctx.lifecycle.installSignalHandlers();
      await startApi(ctx);
      return;
    }
    case 'migrate': {
      const { values } = parseArgs({ args: rest, options: { 'create-databases': { type: 'boolean' } } });
      const ctx = context('migrate');
      await migrate(ctx.config, ctx.log, values['create-databases'] ? { createDatabases: true } : {});
      return;
    }
    case 'send': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'legacy' },
          attr: { type: 'string', multiple: true },
          data: { type: 'string' },
          count: { type: 'string', default: '1' },
          concurrency: { type: 'string', default: '8' },
          queue: { type: 'string' },
          'queue-url': { type: 'string' },
          endpoint: { type: 'string' },
          region: { type: 'string' },
          'idempotency-key': { type: 'string' },
          'unique-keys': { type: 'boolean', default: false },
          force: { type: 'boolean', default: false },
        },
      });
      const type = positionals[0];
      if (!type) fail('send: which message type? e.g. fable-jobs send NF --attr eventName=NEW_USER_SIGNUP', 2);
      if (values.format !== 'legacy' && values.format !== 'json') fail('send: --format must be legacy or json', 2);
      const count = Number(values.count);
      if (!Number.isInteger(count) || count < 1) fail('send: --count must be a positive integer', 2);
      const attrs: Record<string, string> = {};
      for (const a of values.attr ?? []) {
        const eq = a.indexOf('=');
        if (eq < 1) fail(`send: --attr ${a}: expected name=value`, 2);
        attrs[a.slice(0, eq)] = a.slice(eq + 1);
      }
      const { config } = loadConfig(readEnv());
      const result = await send(config, {
        type,
        format: values.format,
        data: await parseData(values.data),
        attrs,
        count,
        concurrency: Number(values.concurrency) || 8,
        queueUrl: values['queue-url'],
        queueName: values.queue,
        endpoint: values.endpoint,
        region: values.region,
        idempotencyKey: values['idempotency-key'],
        uniqueKeys: values['unique-keys'] ?? false,
        force: values.force ?? false,
        progress: count > 1 ? progressBar() : undefined,
      });
      process.stdout.write(`sent ${result.sent} (${result.failed} failed) to ${result.queueUrl} in ${result.ms} ms\n`);
      if (result.failed > 0) process.exitCode = 1;
      return;
    }
    case 'dlq':
    case 'replay':
    case 'retry':
    case 'search':
    case 'audit': {
      const ctx = context(command);
      try {
        await runOpsCommand(ctx, command, rest);
      } catch (err) {
        if ((err as Error).name === 'OpsError') {
          process.stderr.write(`fable-jobs ${command}: ${(err as Error).message}\n`);
          process.exitCode = 2;
        } else throw err;
      } finally {
        await ctx.lifecycle.shutdown('done');
      }
      return;
    }
    case 'hash-password': {
      let pw = rest[0];
      if (!pw) {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        pw = Buffer.concat(chunks).toString('utf8').trim();
      }
      if (!pw || pw.length < 8) fail('hash-password: the password must be at least 8 characters', 2);
      process.stdout.write(`${await hashPassword(pw)}\n`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) fail(err.message);
  process.stderr.write(`fable-jobs: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
