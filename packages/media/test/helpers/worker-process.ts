// A media worker in its own process, for crash tests: the parent SIGKILLs it mid-transcode.
import { LegacyJobsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createHarness } from '@fable-jobs/testing';
import { createMediaProcessors } from '../../src/index.ts';

const pick = (names: string[]) => Object.fromEntries(names.map((n) => [n, process.env[n]]));
const h = await createHarness({ env: pick(['BULLMQ_PREFIX', 'AWS_ENDPOINT_URL', 'S3_ENDPOINT', 'MEDIA_TMP_DIR', 'JOB_OVERRIDES', 'MEDIA_POSTER_INTERVAL_SECONDS', 'MEDIA_X264_PRESET', 'MEDIA_FFMPEG_THREADS']) });
const queues = new QueueSet({ connection: h.producer, prefix: h.config.redis.prefix, overrides: h.config.worker.jobOverrides });
// Stalled checks are throttled queue-wide by the last checker's interval: keep it as short as the parent's.
const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, legacyJobs: new LegacyJobsRepo(h.mysql), stalledIntervalMs: 1000 });
runner.add('media', createMediaProcessors({ config: h.config, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics }));
await runner.start();
process.stdout.write('READY\n');
