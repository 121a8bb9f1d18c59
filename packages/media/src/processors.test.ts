import { describe, expect, it } from 'vitest';
import type { JobContext } from '@fable-jobs/contracts';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '@fable-jobs/runtime';
import { transcodeProcessor } from './processors.ts';
import type { TranscodeContext, TranscodeRequest, Transcoder } from './transcoder.ts';

/** A transcoder that records what it was asked and honours the signal like a real engine. */
class RecordingTranscoder implements Transcoder {
  readonly engine = 'ffmpeg' as const;
  readonly requests: TranscodeRequest[] = [];
  readonly #behaviour: (ctx: TranscodeContext) => Promise<number>;
  constructor(behaviour: (ctx: TranscodeContext) => Promise<number>) {
    this.#behaviour = behaviour;
  }
  async transcode(req: TranscodeRequest, ctx: TranscodeContext) {
    this.requests.push(req);
    const seconds = await this.#behaviour(ctx);
    return { engine: this.engine, engineJobId: req.jobId, durationSeconds: seconds, outputKey: `${req.destination.prefix}${req.source.stem}.m3u8`, outputKeys: [] };
  }
}

function ctx(signal = new AbortController().signal): JobContext & { progressed: number[] } {
  const progressed: number[] = [];
  return {
    jobId: 'k-1',
    queue: 'media.transcode-video',
    idempotencyKey: 'media.transcode-video:k-1:1',
    attempt: 1,
    starts: 1,
    maxAttempts: 4,
    meta: { source: 'test' },
    fence: async () => {},
    signal,
    log: createLogger({ level: 'silent' }),
    progress: async (v) => void progressed.push(v as number),
    spawnChildren: async () => {},
    childrenDone: false,
    progressed,
  };
}

const deps = (transcoder: Transcoder, timeouts = { videoHls: 60_000, videoMp4: 60_000, audioHls: 60_000, audioWebm: 60_000 }) => ({
  transcoder,
  timeouts,
  endpoints: [],
  transcodedSeconds: new Counter({ name: 'fable_media_transcoded_seconds_total', help: 'x', labelNames: ['engine'] as const, registers: [new Registry()] }),
});

const data = (sub: string) => ({ key: 'job-1', sourceFilePath: 'https://bkt.s3.us-east-1.amazonaws.com/u/clip.mov', processedFilePath: 'https://bkt.s3.us-east-1.amazonaws.com/p/1', sub });

describe('transcodeProcessor', () => {
  it('an unknown sub (replayed with edited data) fails permanently before any engine work', async () => {
    const t = new RecordingTranscoder(async () => 1);
    const err = await transcodeProcessor('audio', deps(t))(data('CONVERT_TO_MP4'), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PermanentError', code: 'MEDIA_UNKNOWN_SUB', message: 'sub "CONVERT_TO_MP4" is not a audio conversion (known: CONVERT_TO_HLS, CONVERT_TO_WEBM)' });
    expect(t.requests).toEqual([]);
  });

  it('returns the info the jobs row gets: meta, duration as "Ns" (rounded) and in seconds', async () => {
    const t = new RecordingTranscoder(async () => 41.6);
    const info = await transcodeProcessor('video', deps(t))(data('CONVERT_TO_HLS'), ctx());
    expect(info).toEqual({
      meta: { engine: 'ffmpeg', jobId: 'k-1', output: 'https://bkt.s3.us-east-1.amazonaws.com/p/1/clip.m3u8', outputKey: 'p/1/clip.m3u8', files: 0 },
      duration: '42s',
      durationSeconds: 41.6,
    });
    expect(t.requests[0]).toMatchObject({ conversion: { kind: 'video', sub: 'CONVERT_TO_HLS' }, jobId: 'k-1', attempt: 1, source: { bucket: 'bkt', key: 'u/clip.mov' }, destination: { prefix: 'p/1/' } });
  });

  it("the sub's timeout aborts the engine and becomes a retryable MEDIA_TRANSCODE_TIMEOUT", async () => {
    const t = new RecordingTranscoder(
      (c) => new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason), { once: true })),
    );
    const err = await transcodeProcessor('audio', deps(t, { videoHls: 60_000, videoMp4: 60_000, audioHls: 60_000, audioWebm: 50 }))(data('CONVERT_TO_WEBM'), ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RetryableError', code: 'MEDIA_TRANSCODE_TIMEOUT', message: 'the audio CONVERT_TO_WEBM transcode took longer than MEDIA_TIMEOUT_AUDIO_WEBM_MS (50 ms) and was stopped' });
  });

  it('a cancellation passes through as its own reason (not a timeout)', async () => {
    const t = new RecordingTranscoder(
      (c) => new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason), { once: true })),
    );
    const ac = new AbortController();
    const run = transcodeProcessor('video', deps(t))(data('CONVERT_TO_MP4'), ctx(ac.signal));
    ac.abort(new Error('cancelled by an operator'));
    await expect(run).rejects.toThrow('cancelled by an operator');
  });

  it('progress goes to the job at most once a second, always increasing, and ends at 100', async () => {
    const t = new RecordingTranscoder(async (c) => {
      for (const p of [5, 5, 10, 20, 30]) c.progress(p);
      return 3;
    });
    const c = ctx();
    await transcodeProcessor('video', deps(t))(data('CONVERT_TO_MP4'), c);
    expect(c.progressed).toEqual([5, 100]);
  });
});
