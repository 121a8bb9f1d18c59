// One side of the API benchmark in its own process (so it does not share the load generator's
// CPU): `hello` = bare Fastify, `ours` = buildApp + an llm worker pool, `anthropic` = the fake
// Messages API with zero latency. Prints `LISTEN <port>`; SIGTERM stops it.
import Fastify from 'fastify';
import { buildApp } from '@fable-jobs/api';
import { createLlmProcessors } from '@fable-jobs/llm';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { Health } from '@fable-jobs/runtime';
import { createHarness, startFakeAnthropic } from '@fable-jobs/testing';

const mode = process.argv[2];
let stop: () => Promise<void>;
let port: number;

if (mode === 'hello') {
  const app = Fastify();
  app.get('/health', async () => ({ status: 'up' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
  stop = () => app.close();
} else if (mode === 'ours') {
  const env = JSON.parse(process.env['BENCH_API_ENV'] ?? '{}') as Record<string, string>;
  const h = await createHarness({ env });
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, scrubber: h.scrubber });
  runner.add('llm', createLlmProcessors({ config: h.config, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics, redis: h.producer }));
  await runner.start();
  const app = await buildApp({ config: h.config, log: h.log, metrics: h.metrics, health: new Health(), queues, mysql: h.mysql });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
  stop = async () => {
    await app.close();
    await runner.forceClose();
    await queues.close();
    await h.close();
  };
} else if (mode === 'anthropic') {
  const fake = await startFakeAnthropic({ keys: { [process.env['BENCH_ANTHROPIC_KEY'] ?? 'sk-ant-bench-0001']: 'bench' } });
  port = Number(new URL(fake.url).port);
  stop = () => fake.server.close();
} else {
  throw new Error(`usage: child.ts hello|ours|anthropic (got ${mode})`);
}

process.stdout.write(`LISTEN ${port}\n`);
process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
