import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import type { Logger } from '@fable-jobs/contracts';
import { extname, join } from 'node:path';
import { PermanentError, RetryableError } from '@fable-jobs/contracts';
import { contentTypeOf, type S3Store } from '../s3-store.ts';
import { outputNames, type TranscodeContext, type TranscodeRequest, type TranscodeResult, type Transcoder } from '../transcoder.ts';
import { ffmpegArgs } from './ffmpeg-args.ts';
import { describeFailure, probe } from './probe.ts';
import { runProcess, type RunResult } from './run-process.ts';

export interface FfmpegTranscoderOptions {
  store: S3Store;
  ffmpegPath: string;
  ffprobePath: string;
  tmpDir: string;
  maxSourceBytes: number;
  x264Preset: string;
  threads: number;
  maxHeight: number;
  posterIntervalSeconds: number;
  killGraceMs: number;
  uploadConcurrency: number;
  /** Words ffmpeg/ffprobe run behind (setpriv --pdeathsig: they die with the worker). */
  processPrefix: readonly string[];
}

const WORK_DIR_PREFIX = 'fable-media-';

/**
 * Remove work dirs a crashed worker left behind. Only dirs older than `olderThanMs` (well above
 * the longest transcode timeout), so a job running in another worker on this host is never touched.
 */
export async function sweepStaleWorkDirs(tmpDir: string, olderThanMs: number, log: Logger): Promise<number> {
  let removed = 0;
  let entries: string[];
  try {
    entries = (await readdir(tmpDir)).filter((e) => e.startsWith(WORK_DIR_PREFIX));
  } catch {
    return 0;
  }
  for (const e of entries) {
    const dir = join(tmpDir, e);
    try {
      const st = await stat(dir);
      if (!st.isDirectory() || Date.now() - st.mtimeMs < olderThanMs) continue;
      await rm(dir, { recursive: true, force: true });
      removed += 1;
    } catch (err) {
      log.warn({ dir, err: (err as Error).message }, 'could not remove a stale media work dir');
    }
  }
  if (removed > 0) log.info({ removed, tmpDir }, 'removed media work dirs left by crashed workers');
  return removed;
}

// Share of the whole job's progress per phase: download, transcode, upload.
const DOWNLOAD_PART = 10;
const TRANSCODE_PART = 80;

/** stderr that says the machine, not the input, was the problem: worth another try. */
const RESOURCE_TROUBLE = /No space left on device|Cannot allocate memory|Resource temporarily unavailable|Too many open files/i;

/** Run `fn` over `items` with at most `limit` in flight; stops at the first failure. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The default engine: download the source to a private temp dir, ffprobe it, run ffmpeg as a
 * child process, upload every output under deterministic keys, remove the temp dir.
 */
export class FfmpegTranscoder implements Transcoder {
  readonly engine = 'ffmpeg' as const;
  readonly #o: FfmpegTranscoderOptions;

  constructor(options: FfmpegTranscoderOptions) {
    this.#o = options;
  }

  async transcode(req: TranscodeRequest, ctx: TranscodeContext): Promise<TranscodeResult> {
    const o = this.#o;
    const { conversion, source, destination } = req;
    await mkdir(o.tmpDir, { recursive: true });
    const work = await mkdtemp(join(o.tmpDir, `${WORK_DIR_PREFIX}${req.jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}-`));
    try {
      const input = join(work, `source${extname(source.fileName).replace(/[^A-Za-z0-9.]/g, '').slice(0, 10)}`);
      const outDir = join(work, 'out');
      await mkdir(outDir);

      await o.store.download(source, input, {
        maxBytes: o.maxSourceBytes,
        signal: ctx.signal,
        onBytes: (done, total) => total && ctx.progress((done / total) * DOWNLOAD_PART),
      });
      ctx.progress(DOWNLOAD_PART);

      const info = await probe(o.ffprobePath, input, source.fileName, { signal: ctx.signal, killGraceMs: o.killGraceMs, prefix: o.processPrefix });
      if (conversion.kind === 'video' && !info.video) {
        throw new PermanentError(`${source.fileName} has no video stream (${info.formatName}); send it as TRANSCODE_AUDIO or upload a video`, { code: 'MEDIA_SOURCE_NO_VIDEO' });
      }
      if (conversion.kind === 'audio' && !info.audio) {
        throw new PermanentError(`${source.fileName} has no audio stream (${info.formatName})`, { code: 'MEDIA_SOURCE_NO_AUDIO' });
      }

      const args = ffmpegArgs({
        conversion,
        input,
        outDir,
        stem: source.stem,
        fps: info.video?.fps ?? 0,
        hasAudio: info.audio !== undefined,
        x264Preset: o.x264Preset,
        threads: o.threads,
        maxHeight: o.maxHeight,
        posterIntervalSeconds: o.posterIntervalSeconds,
      });
      let outTime = 0;
      ctx.log.debug({ engine: 'ffmpeg', conversion, durationSeconds: info.durationSeconds }, 'transcoding');
      let run: RunResult;
      try {
        run = await runProcess(o.ffmpegPath, args, {
          signal: ctx.signal,
          killGraceMs: o.killGraceMs,
          prefix: o.processPrefix,
          onProgress: (p) => {
            outTime = p.outTimeSeconds;
            if (info.durationSeconds > 0) ctx.progress(DOWNLOAD_PART + Math.min(1, outTime / info.durationSeconds) * TRANSCODE_PART);
          },
        });
      } catch (err) {
        if ((err as Error)?.name === 'SpawnError') throw new RetryableError(`${(err as Error).message}; install ffmpeg in the worker image or set FFMPEG_PATH`, { code: 'MEDIA_ENGINE_UNAVAILABLE' });
        throw err;
      }
      if (run.exitSignal) throw new RetryableError(`ffmpeg was killed by ${run.exitSignal} (not by us: out of memory?)`, { code: 'MEDIA_ENGINE_CRASHED' });
      if (run.exitCode !== 0) {
        const why = describeFailure(run.stderrTail, input, source.fileName);
        if (RESOURCE_TROUBLE.test(run.stderrTail)) throw new RetryableError(`ffmpeg ran out of resources: ${why}`, { code: 'MEDIA_ENGINE_CRASHED' });
        throw new PermanentError(`ffmpeg could not transcode ${source.fileName} (exit ${run.exitCode}): ${why}`, { code: 'MEDIA_TRANSCODE_FAILED' });
      }
      ctx.progress(DOWNLOAD_PART + TRANSCODE_PART);

      const main = outputNames(conversion, source.stem).main;
      const files = (await readdir(outDir)).sort();
      if (!files.includes(main)) throw new PermanentError(`ffmpeg exited cleanly but wrote no ${main}`, { code: 'MEDIA_TRANSCODE_FAILED' });
      // Playlists last: a reader never sees a playlist whose segments are not there yet.
      const ordered = [...files.filter((f) => !f.endsWith('.m3u8')), ...files.filter((f) => f.endsWith('.m3u8'))];
      const sizes = new Map(await Promise.all(ordered.map(async (f) => [f, (await stat(join(outDir, f))).size] as const)));
      const total = [...sizes.values()].reduce((a, b) => a + b, 0) || 1;
      let sent = 0;
      const segments = ordered.filter((f) => !f.endsWith('.m3u8'));
      const upload = async (f: string) => {
        await o.store.upload(join(outDir, f), { bucket: destination.bucket, key: destination.prefix + f, region: destination.region }, { contentType: contentTypeOf(f), signal: ctx.signal });
        sent += sizes.get(f) ?? 0;
        ctx.progress(DOWNLOAD_PART + TRANSCODE_PART + (sent / total) * (100 - DOWNLOAD_PART - TRANSCODE_PART));
      };
      await eachLimited(segments, o.uploadConcurrency, upload);
      for (const f of ordered.filter((f) => f.endsWith('.m3u8'))) await upload(f);

      return {
        engine: 'ffmpeg',
        engineJobId: req.jobId,
        durationSeconds: info.durationSeconds > 0 ? info.durationSeconds : outTime,
        outputKey: destination.prefix + main,
        outputKeys: ordered.map((f) => destination.prefix + f),
      };
    } finally {
      await rm(work, { recursive: true, force: true }).catch((err: Error) => ctx.log.warn({ err: err.message, dir: work }, 'could not remove the temp dir'));
    }
  }
}
