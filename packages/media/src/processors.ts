import { AUDIO_SUBS, PermanentError, RetryableError, VIDEO_SUBS, type JobContext } from '@fable-jobs/contracts';
import type { Counter } from 'prom-client';
import { objectUrl, parseDestination, parseSource } from './s3-location.ts';
import type { AudioSub, Conversion, MediaKind, Transcoder, VideoSub } from './transcoder.ts';

export interface TranscodePayload {
  key: string;
  sourceFilePath: string;
  processedFilePath: string;
  sub: string;
}

/** What the runner merges into the `jobs` row's info (after the input attributes). */
export interface TranscodeInfo {
  meta: { engine: string; jobId: string; output: string; outputKey: string; files: number };
  /** The old service's format, read by the main API server: whole seconds and an "s". */
  duration: string;
  durationSeconds: number;
}

export interface Timeouts {
  videoHls: number;
  videoMp4: number;
  audioHls: number;
  audioWebm: number;
}

export interface ProcessorDeps {
  transcoder: Transcoder;
  timeouts: Timeouts;
  /** Emulator endpoints whose path-style URLs count as S3 URLs (development). */
  endpoints: readonly string[];
  transcodedSeconds: Counter<'engine'>;
}

const TIMEOUT_SETTING = { videoHls: 'MEDIA_TIMEOUT_VIDEO_HLS_MS', videoMp4: 'MEDIA_TIMEOUT_VIDEO_MP4_MS', audioHls: 'MEDIA_TIMEOUT_AUDIO_HLS_MS', audioWebm: 'MEDIA_TIMEOUT_AUDIO_WEBM_MS' } as const;

/** The conversion a (kind, sub) names; the schema already limits `sub`, but replayed jobs can carry edited data. */
export function conversionOf(kind: MediaKind, sub: string): Conversion {
  if (kind === 'video' && (VIDEO_SUBS as readonly string[]).includes(sub)) return { kind, sub: sub as VideoSub };
  if (kind === 'audio' && (AUDIO_SUBS as readonly string[]).includes(sub)) return { kind, sub: sub as AudioSub };
  const known = (kind === 'video' ? VIDEO_SUBS : AUDIO_SUBS).join(', ');
  throw new PermanentError(`sub ${JSON.stringify(String(sub).slice(0, 64))} is not a ${kind} conversion (known: ${known})`, { code: 'MEDIA_UNKNOWN_SUB' });
}

function timeoutOf(c: Conversion): keyof Timeouts {
  if (c.kind === 'video') return c.sub === 'CONVERT_TO_HLS' ? 'videoHls' : 'videoMp4';
  return c.sub === 'CONVERT_TO_HLS' ? 'audioHls' : 'audioWebm';
}

/** Job progress at most once a second (and always the last value): each update is a Redis write. */
function throttledProgress(ctx: JobContext): (percent: number) => void {
  let last = -1;
  let lastAt = 0;
  return (percent) => {
    const p = Math.max(0, Math.min(100, Math.floor(percent)));
    const now = Date.now();
    if (p <= last || (p < 100 && now - lastAt < 1000)) return;
    last = p;
    lastAt = now;
    ctx.progress(p).catch((err: Error) => ctx.log.debug({ err: err.message }, 'progress update failed'));
  };
}

/** The processor of `media.transcode-video` or `media.transcode-audio`. */
export function transcodeProcessor(kind: MediaKind, deps: ProcessorDeps) {
  return async (data: TranscodePayload, ctx: JobContext): Promise<TranscodeInfo> => {
    const conversion = conversionOf(kind, data.sub);
    const source = parseSource(data.sourceFilePath, deps.endpoints);
    const destination = parseDestination(data.processedFilePath, deps.endpoints);
    const which = timeoutOf(conversion);
    const timeoutMs = deps.timeouts[which];
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    const log = ctx.log.child({ engine: deps.transcoder.engine, sub: conversion.sub, source: `s3://${source.bucket}/${source.key}` });

    const progress = throttledProgress(ctx);
    let result;
    try {
      result = await deps.transcoder.transcode({ conversion, source, destination, jobId: ctx.jobId, attempt: ctx.attempt }, { signal, log, progress });
    } catch (err) {
      if (timeout.aborted && !ctx.signal.aborted) {
        throw new RetryableError(`the ${kind} ${conversion.sub} transcode took longer than ${TIMEOUT_SETTING[which]} (${timeoutMs} ms) and was stopped`, { code: 'MEDIA_TRANSCODE_TIMEOUT', cause: err });
      }
      throw err;
    }
    progress(100);
    deps.transcodedSeconds.inc({ engine: result.engine }, result.durationSeconds);
    log.info({ engineJobId: result.engineJobId, durationSeconds: result.durationSeconds, outputKey: result.outputKey, files: result.outputKeys.length }, 'transcoded');
    return {
      meta: {
        engine: result.engine,
        jobId: result.engineJobId,
        output: objectUrl(destination.bucket, result.outputKey, destination.region),
        outputKey: result.outputKey,
        files: result.outputKeys.length,
      },
      duration: `${Math.round(result.durationSeconds)}s`,
      durationSeconds: Math.round(result.durationSeconds * 1000) / 1000,
    };
  };
}
