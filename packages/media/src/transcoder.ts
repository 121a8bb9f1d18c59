import type { Logger } from '@fable-jobs/contracts';
import type { DestinationDir, SourceLocation } from './s3-location.ts';

export type MediaKind = 'video' | 'audio';
export type VideoSub = 'CONVERT_TO_HLS' | 'CONVERT_TO_MP4';
export type AudioSub = 'CONVERT_TO_HLS' | 'CONVERT_TO_WEBM';

/** What to make: one of the four conversions. */
export type Conversion = { kind: 'video'; sub: VideoSub } | { kind: 'audio'; sub: AudioSub };

export type Engine = 'ffmpeg' | 'mediaconvert' | 'elastic-transcoder';

export interface TranscodeRequest {
  conversion: Conversion;
  source: SourceLocation;
  destination: DestinationDir;
  /** The pool's job id: names temp dirs and makes engine requests idempotent per attempt. */
  jobId: string;
  attempt: number;
}

export interface TranscodeContext {
  /** Aborted on timeout, cancellation and shutdown: stop the engine's work and clean up. */
  signal: AbortSignal;
  log: Logger;
  /** 0-100 for the whole transcode (download, engine, upload). */
  progress(percent: number): void;
}

export interface TranscodeResult {
  engine: Engine;
  /** The engine's job id (MediaConvert/ETS job id; the pool's job id for ffmpeg). */
  engineJobId: string;
  /** Seconds of media transcoded. */
  durationSeconds: number;
  /** Key of the main output (playlist, .mp4 or .webm) in the destination bucket. */
  outputKey: string;
  /** Every object written, in upload order, when the engine reports them. */
  outputKeys: string[];
}

/** The transcoder port: one adapter per engine, chosen by TRANSCODER. */
export interface Transcoder {
  readonly engine: Engine;
  transcode(request: TranscodeRequest, ctx: TranscodeContext): Promise<TranscodeResult>;
}

/** Deterministic output names, the same for every engine (Elastic Transcoder's naming). */
export function outputNames(conversion: Conversion, stem: string): { main: string; segmentPattern?: string; posterPattern?: string } {
  if (conversion.sub === 'CONVERT_TO_HLS') {
    return conversion.kind === 'video'
      ? { main: `${stem}.m3u8`, segmentPattern: `${stem}%05d.ts`, posterPattern: 'poster-%05d.png' }
      : { main: `${stem}.m3u8`, segmentPattern: `${stem}%05d.ts` };
  }
  return { main: conversion.sub === 'CONVERT_TO_MP4' ? `${stem}.mp4` : `${stem}.webm` };
}
