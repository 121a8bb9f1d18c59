import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVideo, processesMatching, until } from '@fable-jobs/testing';
import { sweepStaleWorkDirs } from '../src/index.ts';
import { log } from './helpers/engine.ts';
import { startMediaStack, uid, type MediaStack } from './helpers/stack.ts';

const VIDEO = 'media.transcode-video' as const;
let media: string;

beforeAll(async () => {
  media = await mkdtemp(join(tmpdir(), 'fable-media-fixtures-'));
  await generateVideo(join(media, 'clip.mp4'), { seconds: 10 });
});
afterAll(async () => {
  await rm(media, { recursive: true, force: true });
});

describe('a worker crash mid-transcode', () => {
  let stack: MediaStack;
  afterAll(async () => {
    await stack?.close();
  });

  it('kills its ffmpeg with it; the job runs again on another worker and writes the same keys', async () => {
    const env = { MEDIA_POSTER_INTERVAL_SECONDS: '3', JOB_OVERRIDES: JSON.stringify({ [VIDEO]: { lockDurationMs: 2000 } }) };
    stack = await startMediaStack({ env, runner: false, stalledIntervalMs: 1000 });
    const s = stack;
    // The doomed worker transcodes slowly, so it is surely mid-transcode when killed.
    const child = spawn(process.execPath, [fileURLToPath(new URL('./helpers/worker-process.ts', import.meta.url))], {
      env: { ...process.env, ...env, MEDIA_X264_PRESET: 'medium', MEDIA_FFMPEG_THREADS: '1', BULLMQ_PREFIX: s.h.prefix, AWS_ENDPOINT_URL: s.sqs.endpoint, S3_ENDPOINT: s.sqs.endpoint, MEDIA_TMP_DIR: s.tmp },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => String(b).includes('READY') && resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited ${code} before it was ready`)));
    });

    const id = uid();
    const jobKey = `job-${id}`;
    const outDir = `processed/${id}`;
    await s.putFile(`uploads/${id}/clip.mp4`, join(media, 'clip.mp4'));
    await s.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
    const jobId = await s.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: s.url(`uploads/${id}/clip.mp4`), processedFilePath: s.url(outDir), sub: 'CONVERT_TO_HLS' });
    const ffmpegOf = async () => (await processesMatching(`fable-media-${jobId}-`)).filter((p) => /(^|\/)ffmpeg /.test(p.cmdline));
    await until(async () => (await ffmpegOf()).length === 1, { what: 'ffmpeg in the worker process', timeoutMs: 30_000, intervalMs: 20 });

    child.kill('SIGKILL');
    await exited;
    // The kernel delivers SIGKILL to ffmpeg when its parent dies (setpriv --pdeathsig).
    await until(async () => (await ffmpegOf()).length === 0, { what: 'the orphaned ffmpeg to die', timeoutMs: 3000 });
    expect(await s.keys(`${outDir}/`)).toEqual([]);
    expect((await s.jobRow(jobKey))?.processing_status).toBe(2);

    await s.startRunner();
    const job = await s.wait(VIDEO, jobId, 'completed', 120_000);
    expect(job.stalledCounter).toBe(1);
    expect(await s.keys(`${outDir}/`)).toEqual(
      ['clip.m3u8', 'clip00000.ts', 'clip00001.ts', 'clip00002.ts', 'poster-00001.png', 'poster-00002.png', 'poster-00003.png', 'poster-00004.png'].map((f) => `${outDir}/${f}`),
    );
    expect(await s.jobRow(jobKey)).toMatchObject({ processing_status: 3, info: { duration: '10s', meta: { engine: 'ffmpeg', jobId } } });
    // The crashed run's work dir is still there; the sweep at start-up removes such dirs once they are old.
    expect((await readdir(s.tmp)).filter((d) => d.startsWith(`fable-media-${jobId}-`))).toHaveLength(1);
  });
});

describe('sweepStaleWorkDirs', () => {
  it('removes only work dirs older than the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fable-media-sweep-'));
    try {
      for (const d of ['fable-media-old-1', 'fable-media-new-1', 'unrelated-old']) await mkdir(join(dir, d, 'out'), { recursive: true });
      const past = new Date(Date.now() - 3 * 3600_000);
      await utimes(join(dir, 'fable-media-old-1'), past, past);
      await utimes(join(dir, 'unrelated-old'), past, past);
      expect(await sweepStaleWorkDirs(dir, 3600_000, log)).toBe(1);
      expect((await readdir(dir)).sort()).toEqual(['fable-media-new-1', 'unrelated-old']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
