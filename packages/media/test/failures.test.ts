import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTone, generateVideo, startS3OutageProxy, until, type S3OutageProxy } from '@fable-jobs/testing';
import { startMediaStack, uid, type MediaStack } from './helpers/stack.ts';

let media: string;

beforeAll(async () => {
  media = await mkdtemp(join(tmpdir(), 'fable-media-fixtures-'));
  await Promise.all([generateVideo(join(media, 'clip.mp4'), { seconds: 3 }), generateTone(join(media, 'tone.mp3'), { seconds: 3 })]);
});

afterAll(async () => {
  await rm(media, { recursive: true, force: true });
});

const VIDEO = 'media.transcode-video' as const;

describe('permanent failures: no retry, the jobs row says why', () => {
  let stack: MediaStack;
  beforeAll(async () => {
    stack = await startMediaStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function failWith(attrs: { sourceFilePath: string; sub?: string; type?: 'TRANSCODE_VIDEO' | 'TRANSCODE_AUDIO' }) {
    const jobKey = `job-${uid()}`;
    await stack.insertJobRow(jobKey, attrs.type ?? 'TRANSCODE_VIDEO');
    const jobId = await stack.send(attrs.type ?? 'TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: attrs.sourceFilePath, processedFilePath: stack.url(`processed/${uid()}`), sub: attrs.sub ?? 'CONVERT_TO_HLS' });
    const name = attrs.type === 'TRANSCODE_AUDIO' ? 'media.transcode-audio' : VIDEO;
    const job = await stack.wait(name, jobId, 'failed');
    return { job, row: await stack.jobRow(jobKey) };
  }

  it('corrupt input: MEDIA_SOURCE_UNREADABLE after one attempt, with what ffprobe said', async () => {
    const key = `uploads/${uid()}/broken.mp4`;
    await stack.put(key, randomBytes(200_000));
    const { job, row } = await failWith({ sourceFilePath: stack.url(key) });
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBe(4);
    expect(row?.processing_status).toBe(0);
    expect(row?.failure_reason).toMatch(/^MEDIA_SOURCE_UNREADABLE: broken\.mp4 is not a readable media file: .*Invalid data found when processing input/);
    // The local temp path never leaks into the reason.
    expect(row?.failure_reason).not.toContain(stack.tmp);
  });

  it('truncated MP4 (no moov atom): MEDIA_SOURCE_UNREADABLE', async () => {
    const key = `uploads/${uid()}/cut.mp4`;
    const whole = await readFile(join(media, 'clip.mp4'));
    await stack.put(key, whole.subarray(0, Math.floor(whole.length / 2)));
    const { job, row } = await failWith({ sourceFilePath: stack.url(key), sub: 'CONVERT_TO_MP4' });
    expect(job.attemptsMade).toBe(1);
    expect(row?.failure_reason).toMatch(/^MEDIA_SOURCE_UNREADABLE: cut\.mp4 .*moov atom not found/);
  });

  it('missing source object: MEDIA_SOURCE_NOT_FOUND naming the object', async () => {
    const key = `uploads/${uid()}/gone.mp4`;
    const { job, row } = await failWith({ sourceFilePath: stack.url(key) });
    expect(job.attemptsMade).toBe(1);
    expect(row?.failure_reason).toBe(`MEDIA_SOURCE_NOT_FOUND: s3://${stack.bucket}/${key} does not exist in S3; upload it again, then send a new message`);
  });

  it('a URL that is not S3: MEDIA_BAD_URL', async () => {
    const { job, row } = await failWith({ sourceFilePath: 'https://example.com/videos/clip.mp4' });
    expect(job.attemptsMade).toBe(1);
    expect(row?.failure_reason).toMatch(/^MEDIA_BAD_URL: sourceFilePath "https:\/\/example\.com\/videos\/clip\.mp4" is not an S3 URL \(expected https:\/\/<bucket>\.s3\.<region>\.amazonaws\.com\/<key>/);
  });

  it('a video job whose source is audio only: MEDIA_SOURCE_NO_VIDEO', async () => {
    const key = `uploads/${uid()}/tone.mp3`;
    await stack.putFile(key, join(media, 'tone.mp3'));
    const { job, row } = await failWith({ sourceFilePath: stack.url(key) });
    expect(job.attemptsMade).toBe(1);
    expect(row?.failure_reason).toMatch(/^MEDIA_SOURCE_NO_VIDEO: tone\.mp3 has no video stream/);
  });

  it('unknown sub from SQS: dead-lettered by the bridge, jobs row Failed with the schema error, no job', async () => {
    const jobKey = `job-${uid()}`;
    await stack.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
    await stack.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: stack.url('uploads/x/clip.mp4'), processedFilePath: stack.url('processed/x'), sub: 'CONVERT_TO_GIF' });
    await until(async () => (await stack.jobRow(jobKey))?.processing_status === 0, { what: 'jobs row Failed' });
    expect((await stack.jobRow(jobKey))?.failure_reason).toMatch(/^BRIDGE_SCHEMA_INVALID: TRANSCODE_VIDEO: \/sub/);
    const dead = await stack.sqs.drain(stack.dlqUrl);
    expect(dead.map((m) => m.MessageAttributes?.['key']?.StringValue)).toContain(jobKey);
    expect(await stack.queues.get(VIDEO).getJobCounts('wait', 'active', 'delayed', 'failed', 'completed')).toMatchObject({ wait: 0, active: 0, delayed: 0 });
  });
});

describe('source size cap', () => {
  let stack: MediaStack;
  beforeAll(async () => {
    stack = await startMediaStack({ env: { MEDIA_MAX_SOURCE_BYTES: '10000' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a source above MEDIA_MAX_SOURCE_BYTES fails permanently before it is downloaded', async () => {
    const jobKey = `job-${uid()}`;
    const key = `uploads/${uid()}/clip.mp4`;
    await stack.putFile(key, join(media, 'clip.mp4'));
    await stack.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
    const jobId = await stack.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: stack.url(key), processedFilePath: stack.url(`processed/${uid()}`), sub: 'CONVERT_TO_MP4' });
    const job = await stack.wait(VIDEO, jobId, 'failed');
    expect(job.attemptsMade).toBe(1);
    expect((await stack.jobRow(jobKey))?.failure_reason).toMatch(/^MEDIA_SOURCE_TOO_LARGE: s3:\/\/.+\/clip\.mp4 is \d+ bytes; MEDIA_MAX_SOURCE_BYTES allows 10000$/);
  });
});

describe('ffmpeg missing from the worker image', () => {
  let stack: MediaStack;
  beforeAll(async () => {
    stack = await startMediaStack({ env: { FFPROBE_PATH: '/nonexistent/ffprobe', JOB_OVERRIDES: JSON.stringify({ [VIDEO]: { attempts: 2, backoffMs: 10 } }) } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is an operations problem, not a bad input: retried, and the reason says what to install', async () => {
    const jobKey = `job-${uid()}`;
    const key = `uploads/${uid()}/clip.mp4`;
    await stack.putFile(key, join(media, 'clip.mp4'));
    await stack.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
    const jobId = await stack.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: stack.url(key), processedFilePath: stack.url(`processed/${uid()}`), sub: 'CONVERT_TO_MP4' });
    const job = await stack.wait(VIDEO, jobId, 'failed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toMatch(/^MEDIA_ENGINE_UNAVAILABLE: cannot run \/nonexistent\/ffprobe: .*; install ffmpeg\/ffprobe in the worker image or set FFPROBE_PATH$/);
  });
});

describe('S3 down for a moment', () => {
  let stack: MediaStack;
  let proxy: S3OutageProxy;
  beforeAll(async () => {
    stack = await startMediaStack({
      workerS3Endpoint: async (emulator) => {
        proxy = await startS3OutageProxy(emulator);
        return proxy.url;
      },
      env: { JOB_OVERRIDES: JSON.stringify({ 'media.transcode-video': { backoffMs: 200 } }) },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await proxy?.close();
  });

  it('the attempt fails as retryable (row stays InProcess), the retry after S3 is back completes', async () => {
    const jobKey = `job-${uid()}`;
    const key = `uploads/${uid()}/clip.mp4`;
    const outDir = `processed/${uid()}`;
    await stack.putFile(key, join(media, 'clip.mp4'));
    await stack.insertJobRow(jobKey, 'TRANSCODE_VIDEO');
    proxy.down();
    const jobId = await stack.send('TRANSCODE_VIDEO', { key: jobKey, sourceFilePath: stack.url(key), processedFilePath: stack.url(outDir), sub: 'CONVERT_TO_MP4' });
    const queue = stack.queues.get(VIDEO);
    await until(async () => ((await queue.getJob(jobId))?.attemptsMade ?? 0) >= 1, { what: 'the first attempt to fail', timeoutMs: 30_000 });
    const failedOnce = await queue.getJob(jobId);
    expect(failedOnce?.failedReason).toMatch(/^MEDIA_S3_UNAVAILABLE: S3 download of s3:\/\/.+ failed: SlowDown/);
    expect((await stack.jobRow(jobKey))?.processing_status).toBe(2);
    expect(proxy.refused).toBeGreaterThan(0);
    proxy.up();

    const job = await stack.wait(VIDEO, jobId, 'completed');
    expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(await stack.keys(`${outDir}/`)).toEqual([`${outDir}/clip.mp4`]);
    expect(await stack.jobRow(jobKey)).toMatchObject({ processing_status: 3, failure_reason: null, info: { duration: '3s', meta: { engine: 'ffmpeg' } } });
  });
});
