// `node bench/media/run.ts`: the media pool vs bare ffmpeg, and jobs/minute at concurrency 1 vs 2.
// Env: BENCH_MEDIA_ROUNDS (3), BENCH_MEDIA_SECONDS (30), BENCH_MEDIA_JOBS (4); media settings as in production (MEDIA_X264_PRESET...).
import { cpus } from 'node:os';
import { media } from './index.ts';

const started = new Date().toISOString();
const text = await media();
process.stdout.write(`## media — ${started}, ${process.version}, ${cpus().length} cores\n\n${text}\n`);
process.exit(0);
