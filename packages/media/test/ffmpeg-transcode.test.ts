import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeJson, generateTone, generateVideo, mp4TopLevelBoxes, parseMediaPlaylist, until } from '@fable-jobs/testing';
import { startMediaStack, uid, type MediaStack } from './helpers/stack.ts';

let stack: MediaStack;
let media: string;

beforeAll(async () => {
  media = await mkdtemp(join(tmpdir(), 'fable-media-fixtures-'));
  await Promise.all([
    generateVideo(join(media, 'clip.mp4'), { seconds: 10, width: 1280, height: 720, fps: 30 }),
    generateTone(join(media, 'tone.mp3'), { seconds: 9 }),
    generateTone(join(media, 'tone.wav'), { seconds: 5 }),
  ]);
  stack = await startMediaStack({ env: { MEDIA_POSTER_INTERVAL_SECONDS: '3' } });
});

afterAll(async () => {
  await stack?.close();
  await rm(media, { recursive: true, force: true });
});

/** Upload a fixture, create its `jobs` row, send the SQS message; returns names for assertions. */
async function submit(type: 'TRANSCODE_VIDEO' | 'TRANSCODE_AUDIO', fixture: string, sub: string, extra: Record<string, string> = {}) {
  const id = uid();
  const srcKey = `uploads/${id}/${fixture}`;
  const outDir = `processed/${id}`;
  const jobKey = `job-${id}`;
  await stack.putFile(srcKey, join(media, fixture));
  await stack.insertJobRow(jobKey, type);
  const jobId = await stack.send(type, { key: jobKey, sourceFilePath: stack.url(srcKey), processedFilePath: stack.url(outDir), sub, ...extra });
  return { id, srcKey, outDir, jobKey, jobId };
}

describe('ffmpeg engine, end to end from the SQS message', () => {
  it('TRANSCODE_VIDEO CONVERT_TO_HLS: 4-second H.264/AAC segments, VOD playlist, posters, jobs row InProcess → Processed', async () => {
    const s = await submit('TRANSCODE_VIDEO', 'clip.mp4', 'CONVERT_TO_HLS', { demoId: 'demo-42' });
    await until(async () => (await stack.jobRow(s.jobKey))?.processing_status === 2, { what: 'jobs row InProcess', timeoutMs: 30_000, intervalMs: 10 });
    const job = await stack.wait('media.transcode-video', s.jobId, 'completed');
    expect(job.attemptsMade).toBe(1); // one attempt, no retry

    const keys = await stack.keys(`${s.outDir}/`);
    const segments = keys.filter((k) => k.endsWith('.ts'));
    expect(keys).toContain(`${s.outDir}/clip.m3u8`);
    expect(segments).toEqual([`${s.outDir}/clip00000.ts`, `${s.outDir}/clip00001.ts`, `${s.outDir}/clip00002.ts`]);
    expect(keys.filter((k) => k.endsWith('.png'))).toEqual([`${s.outDir}/poster-00001.png`, `${s.outDir}/poster-00002.png`, `${s.outDir}/poster-00003.png`, `${s.outDir}/poster-00004.png`]);

    const work = await mkdtemp(join(tmpdir(), 'fable-media-check-'));
    try {
      const playlist = parseMediaPlaylist((await stack.fetch(`${s.outDir}/clip.m3u8`, join(work, 'clip.m3u8'))).toString('utf8'));
      expect(playlist.playlistType).toBe('VOD');
      expect(playlist.ended).toBe(true);
      expect(playlist.targetDuration).toBe(4);
      expect(playlist.segments.map((x) => x.uri)).toEqual(['clip00000.ts', 'clip00001.ts', 'clip00002.ts']);
      // Fixed GOP: every segment but the last is 4 s; together they cover the 10 s source.
      for (const seg of playlist.segments.slice(0, -1)) expect(seg.duration).toBeCloseTo(4, 1);
      expect(playlist.segments.reduce((a, x) => a + x.duration, 0)).toBeCloseTo(10, 0);

      await stack.fetch(`${s.outDir}/clip00001.ts`, join(work, 'seg.ts'));
      const seg = await ffprobeJson(join(work, 'seg.ts'));
      expect(seg.format.format_name).toBe('mpegts');
      expect(seg.streams.map((x) => x.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(seg.streams.find((x) => x.codec_type === 'video')).toMatchObject({ width: 1280, height: 720 });
      expect(Number(seg.format.duration)).toBeCloseTo(4, 0);

      const png = await stack.fetch(`${s.outDir}/poster-00001.png`, join(work, 'poster.png'));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect((await ffprobeJson(join(work, 'poster.png'))).streams[0]).toMatchObject({ codec_name: 'png', width: 1280, height: 720 });
    } finally {
      await rm(work, { recursive: true, force: true });
    }

    const row = await stack.jobRow(s.jobKey);
    expect(row?.processing_status).toBe(3);
    expect(row?.failure_reason).toBeNull();
    expect(row?.info).toMatchObject({
      key: s.jobKey,
      sourceFilePath: stack.url(s.srcKey),
      processedFilePath: stack.url(s.outDir),
      sub: 'CONVERT_TO_HLS',
      demoId: 'demo-42',
      duration: '10s',
      meta: { engine: 'ffmpeg', jobId: s.jobId, outputKey: `${s.outDir}/clip.m3u8`, output: stack.url(`${s.outDir}/clip.m3u8`), files: 8 },
    });
    expect(row?.info?.['durationSeconds']).toBeCloseTo(10, 1);
    // The temp dir of the job is gone.
    expect(await readdir(stack.tmp)).toEqual([]);
  });

  it('TRANSCODE_VIDEO CONVERT_TO_MP4: H.264/AAC with the moov atom before the media data', async () => {
    const s = await submit('TRANSCODE_VIDEO', 'clip.mp4', 'CONVERT_TO_MP4');
    await stack.wait('media.transcode-video', s.jobId, 'completed');
    expect(await stack.keys(`${s.outDir}/`)).toEqual([`${s.outDir}/clip.mp4`]);
    const work = await mkdtemp(join(tmpdir(), 'fable-media-check-'));
    try {
      const file = join(work, 'clip.mp4');
      await stack.fetch(`${s.outDir}/clip.mp4`, file);
      const boxes = await mp4TopLevelBoxes(file);
      expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
      const probe = await ffprobeJson(file);
      expect(probe.format.format_name).toContain('mp4');
      expect(probe.streams.map((x) => `${x.codec_type}:${x.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
      expect(Number(probe.format.duration)).toBeCloseTo(10, 0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const row = await stack.jobRow(s.jobKey);
    expect(row).toMatchObject({ processing_status: 3, info: { duration: '10s', meta: { engine: 'ffmpeg', outputKey: `${s.outDir}/clip.mp4`, files: 1 } } });
  });

  it('TRANSCODE_AUDIO CONVERT_TO_HLS: AAC-only segments and a playlist', async () => {
    const s = await submit('TRANSCODE_AUDIO', 'tone.mp3', 'CONVERT_TO_HLS');
    await stack.wait('media.transcode-audio', s.jobId, 'completed');
    const keys = await stack.keys(`${s.outDir}/`);
    expect(keys).toEqual([`${s.outDir}/tone.m3u8`, `${s.outDir}/tone00000.ts`, `${s.outDir}/tone00001.ts`, `${s.outDir}/tone00002.ts`]);
    const work = await mkdtemp(join(tmpdir(), 'fable-media-check-'));
    try {
      const playlist = parseMediaPlaylist((await stack.fetch(`${s.outDir}/tone.m3u8`, join(work, 'p.m3u8'))).toString('utf8'));
      expect(playlist.ended).toBe(true);
      expect(playlist.segments.reduce((a, x) => a + x.duration, 0)).toBeCloseTo(9, 0);
      for (const seg of playlist.segments.slice(0, -1)) expect(seg.duration).toBeCloseTo(4, 0);
      await stack.fetch(`${s.outDir}/tone00000.ts`, join(work, 's.ts'));
      const probe = await ffprobeJson(join(work, 's.ts'));
      expect(probe.streams.map((x) => `${x.codec_type}:${x.codec_name}`)).toEqual(['audio:aac']);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    expect(await stack.jobRow(s.jobKey)).toMatchObject({ processing_status: 3, info: { duration: '9s', sub: 'CONVERT_TO_HLS', meta: { engine: 'ffmpeg' } } });
  });

  it('TRANSCODE_AUDIO CONVERT_TO_WEBM: Opus in WebM with the source duration', async () => {
    const s = await submit('TRANSCODE_AUDIO', 'tone.wav', 'CONVERT_TO_WEBM');
    await stack.wait('media.transcode-audio', s.jobId, 'completed');
    expect(await stack.keys(`${s.outDir}/`)).toEqual([`${s.outDir}/tone.webm`]);
    const work = await mkdtemp(join(tmpdir(), 'fable-media-check-'));
    try {
      await stack.fetch(`${s.outDir}/tone.webm`, join(work, 'tone.webm'));
      const probe = await ffprobeJson(join(work, 'tone.webm'));
      expect(probe.format.format_name).toContain('webm');
      expect(probe.streams.map((x) => `${x.codec_type}:${x.codec_name}`)).toEqual(['audio:opus']);
      expect(Number(probe.format.duration)).toBeCloseTo(5, 0);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    expect(await stack.jobRow(s.jobKey)).toMatchObject({ processing_status: 3, info: { duration: '5s', meta: { engine: 'ffmpeg', outputKey: `${s.outDir}/tone.webm` } } });
  });

  it('reports progress from ffmpeg while it runs, ending at 100', async () => {
    const events = stack.queues.queueEvents('media.transcode-video', stack.h.worker.duplicate());
    await events.waitUntilReady();
    const seen: number[] = [];
    let jobId = '';
    events.on('progress', ({ jobId: id, data }) => {
      if (id === jobId && typeof data === 'number') seen.push(data);
    });
    try {
      const id = uid();
      await stack.putFile(`uploads/${id}/clip.mp4`, join(media, 'clip.mp4'));
      jobId = await stack.send('TRANSCODE_VIDEO', { key: `job-${id}`, sourceFilePath: stack.url(`uploads/${id}/clip.mp4`), processedFilePath: stack.url(`processed/${id}`), sub: 'CONVERT_TO_HLS' });
      await stack.wait('media.transcode-video', jobId, 'completed');
      await until(() => seen.includes(100), { what: 'the final progress event' });
    } finally {
      await events.close();
    }
    expect(seen.at(-1)).toBe(100);
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
  });

  it('a re-run of the same job writes the same keys (overwrites, no duplicates) and counts transcoded seconds', async () => {
    const s = await submit('TRANSCODE_AUDIO', 'tone.wav', 'CONVERT_TO_HLS');
    await stack.wait('media.transcode-audio', s.jobId, 'completed');
    const first = await stack.keys(`${s.outDir}/`);
    const metricBefore = (await stack.h.metrics.registry.getSingleMetric('fable_media_transcoded_seconds_total')?.get())?.values.find((v) => v.labels['engine'] === 'ffmpeg')?.value ?? 0;
    // Replay: the same message sent again (a new SQS message id → a new job, same data).
    const again = await stack.send('TRANSCODE_AUDIO', { key: s.jobKey, sourceFilePath: stack.url(s.srcKey), processedFilePath: stack.url(s.outDir), sub: 'CONVERT_TO_HLS' });
    await stack.wait('media.transcode-audio', again, 'completed');
    expect(await stack.keys(`${s.outDir}/`)).toEqual(first);
    const metricAfter = (await stack.h.metrics.registry.getSingleMetric('fable_media_transcoded_seconds_total')?.get())?.values.find((v) => v.labels['engine'] === 'ffmpeg')?.value ?? 0;
    expect(metricAfter - metricBefore).toBeCloseTo(5, 0);
    expect(await stack.jobRow(s.jobKey)).toMatchObject({ processing_status: 3, info: { duration: '5s' } });
  });
});
