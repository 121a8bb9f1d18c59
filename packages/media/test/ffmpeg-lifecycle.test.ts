import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateVideo, processesMatching, until } from '@fable-jobs/testing';
import { startMediaStack, uid, type MediaStack, type StackOptions } from './helpers/stack.ts';

const VIDEO = 'media.transcode-video' as const;
let media: string;
let stack: MediaStack | undefined;

// Slow enough settings that ffmpeg is certainly still running when the test stops it. The timeouts
// below (8 s) leave room for download and ffprobe on a loaded machine before ffmpeg starts.
const SLOW = { MEDIA_X264_PRESET: 'medium', MEDIA_FFMPEG_THREADS: '1' };

beforeAll(async () => {
  media = await mkdtemp(join(tmpdir(), 'fable-media-fixtures-'));
  await generateVideo(join(media, 'long.mp4'), { seconds: 30 });
});

afterAll(async () => {
  await rm(media, { recursive: true, force: true });
});

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** ffmpeg processes working on this job (their input lives in the job's temp dir). */
const ffmpegOf = async (jobId: string) => (await processesMatching(`fable-media-${jobId}-`)).filter((p) => /(^|\/)ffmpeg /.test(p.cmdline));

async function startLongJob(opts: StackOptions, sub = 'CONVERT_TO_MP4') {
  stack = await startMediaStack(opts);
  const s = stack;
  const jobKey = `job-${uid()}`;
  const key = `uploads/${uid()}/long.mp4`;
  await s.putFile(key, join(media, 'long.mp4'));
  await s.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
  const jobId = await s.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: s.url(key), processedFilePath: s.url(`processed/${uid()}`), sub });
  await until(async () => (await ffmpegOf(jobId)).length === 1, { what: 'ffmpeg to start', timeoutMs: 30_000, intervalMs: 20 });
  return { s, jobId, jobKey };
}

describe('ffmpeg is killed, never orphaned', () => {
  it('on the per-sub timeout: MEDIA_TRANSCODE_TIMEOUT, process gone and temp dir removed by the time the attempt fails', async () => {
    const { s, jobId, jobKey } = await startLongJob({ env: { ...SLOW, MEDIA_TIMEOUT_VIDEO_MP4_MS: '8000', JOB_OVERRIDES: JSON.stringify({ [VIDEO]: { attempts: 1 } }) } });
    const job = await s.wait(VIDEO, jobId, 'failed');
    expect(job.failedReason).toBe('MEDIA_TRANSCODE_TIMEOUT: the video CONVERT_TO_MP4 transcode took longer than MEDIA_TIMEOUT_VIDEO_MP4_MS (8000 ms) and was stopped');
    expect(await ffmpegOf(jobId)).toEqual([]);
    expect(await readdir(s.tmp)).toEqual([]);
    expect((await s.jobRow(jobKey))?.failure_reason).toMatch(/^MEDIA_TRANSCODE_TIMEOUT: /);
  });

  it("on the job's own timeout (the runner aborts the signal): the process goes away", async () => {
    const { s, jobId } = await startLongJob({ env: { ...SLOW, JOB_OVERRIDES: JSON.stringify({ [VIDEO]: { attempts: 1, timeoutMs: 8000 } }) } });
    const job = await s.wait(VIDEO, jobId, 'failed');
    expect(job.failedReason).toMatch(/^JOB_TIMEOUT: /);
    await until(async () => (await ffmpegOf(jobId)).length === 0, { what: 'ffmpeg to exit', timeoutMs: 10_000 });
    await until(async () => (await readdir(s.tmp)).length === 0, { what: 'the temp dir to be removed', timeoutMs: 10_000 });
  });

  it('on cancellation of the running job', async () => {
    const { s, jobId } = await startLongJob({ env: { ...SLOW, JOB_OVERRIDES: JSON.stringify({ [VIDEO]: { attempts: 1 } }) } });
    const worker = s.runner.workers().find((w) => w.name === VIDEO);
    expect(worker?.cancelJob(jobId, 'cancelled by an operator')).toBe(true);
    const job = await s.wait(VIDEO, jobId, 'failed');
    expect(job.failedReason).toContain('cancelled by an operator');
    expect(await ffmpegOf(jobId)).toEqual([]);
    expect(await readdir(s.tmp)).toEqual([]);
  });

  it('on shutdown: drain past its deadline aborts the job and returns only after ffmpeg has exited', async () => {
    const { s, jobId } = await startLongJob({ env: SLOW });
    await s.runner.stopIntake();
    await s.runner.drain(AbortSignal.abort(new Error('deadline')));
    expect(await ffmpegOf(jobId)).toEqual([]);
    expect(await readdir(s.tmp)).toEqual([]);
    const job = await s.queues.get(VIDEO).getJob(jobId);
    expect(job?.finishedOn).toBeUndefined();
  });
});

describe('long runs keep their lock', () => {
  it('a transcode far longer than the lock duration completes in one attempt without stalling', async () => {
    const { s, jobId } = await startLongJob(
      { env: { MEDIA_FFMPEG_THREADS: '1', JOB_OVERRIDES: JSON.stringify({ [VIDEO]: { lockDurationMs: 1000 } }) }, stalledIntervalMs: 1000 },
      'CONVERT_TO_HLS',
    );
    const started = Date.now();
    const job = await s.wait(VIDEO, jobId, 'completed', 120_000);
    // The run outlasted several lock periods and stalled-job checks.
    expect(Date.now() - started).toBeGreaterThan(3000);
    expect(job.attemptsStarted).toBe(1);
    expect(job.stalledCounter).toBe(0);
  });
});
