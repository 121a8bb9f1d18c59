import { tmpdir } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import { ElasticTranscoderClient } from '@aws-sdk/client-elastic-transcoder';
import { MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import type { ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import { createS3Client, type Config, type Logger, type Metrics } from '@fable-jobs/runtime';
import { awsClientConfig } from './aws.ts';
import { ElasticTranscoderTranscoder } from './elastic-transcoder/elastic-transcoder-transcoder.ts';
import { FfmpegTranscoder, sweepStaleWorkDirs } from './ffmpeg/ffmpeg-transcoder.ts';
import { dieWithParentPrefix } from './ffmpeg/run-process.ts';
import { MediaConvertTranscoder } from './mediaconvert/mediaconvert-transcoder.ts';
import { transcodedSecondsCounter } from './metrics.ts';
import { transcodeProcessor } from './processors.ts';
import { S3Store } from './s3-store.ts';
import type { Transcoder } from './transcoder.ts';

export { MEDIA_ERROR_CODES, type MediaErrorCode } from '@fable-jobs/contracts';
export { ffmpegArgs, SEGMENT_SECONDS } from './ffmpeg/ffmpeg-args.ts';
export { sweepStaleWorkDirs } from './ffmpeg/ffmpeg-transcoder.ts';
export { dieWithParentPrefix } from './ffmpeg/run-process.ts';
export { probe, type ProbeResult } from './ffmpeg/probe.ts';
export { ETS_PRESETS, etsOutput } from './elastic-transcoder/elastic-transcoder-transcoder.ts';
export { mediaConvertSettings } from './mediaconvert/job-settings.ts';
export { clientRequestToken } from './mediaconvert/mediaconvert-transcoder.ts';
export { parseDestination, parseSource, parseS3Url, safeStem } from './s3-location.ts';
export { outputNames, type Conversion, type Engine, type Transcoder } from './transcoder.ts';

export interface MediaDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
}

/** The transcoder TRANSCODER selects, built from config (every client takes its endpoint from config). */
export function createTranscoder(config: Config): Transcoder {
  const m = config.media;
  const clients = new Map<string, S3Client>();
  const s3 = (region: string | undefined) => {
    const r = region ?? config.s3.region;
    let c = clients.get(r);
    if (!c) {
      c = createS3Client(config, { region: r });
      clients.set(r, c);
    }
    return c;
  };
  const store = new S3Store({ client: s3 });
  switch (m.transcoder) {
    case 'ffmpeg':
      return new FfmpegTranscoder({
        store,
        ffmpegPath: m.ffmpeg.path,
        ffprobePath: m.ffmpeg.probePath,
        tmpDir: m.tmpDir ?? tmpdir(),
        maxSourceBytes: m.maxSourceBytes,
        x264Preset: m.ffmpeg.x264Preset,
        threads: m.ffmpeg.threads,
        maxHeight: m.ffmpeg.maxHeight,
        posterIntervalSeconds: m.ffmpeg.posterIntervalSeconds,
        killGraceMs: m.ffmpeg.killGraceMs,
        uploadConcurrency: m.uploadConcurrency,
        processPrefix: dieWithParentPrefix(),
      });
    case 'mediaconvert': {
      if (!m.mediaconvert.roleArn) throw new Error('TRANSCODER=mediaconvert needs MEDIACONVERT_ROLE_ARN (the IAM role MediaConvert assumes)');
      const client = new MediaConvertClient(awsClientConfig(config, m.mediaconvert.endpoint, m.mediaconvert.region ?? config.s3.region, m.awsMaxAttempts));
      return new MediaConvertTranscoder({
        client,
        roleArn: m.mediaconvert.roleArn,
        queueArn: m.mediaconvert.queueArn,
        pollInitialMs: m.mediaconvert.pollInitialMs,
        pollMaxMs: m.mediaconvert.pollMaxMs,
        timeoutMs: m.mediaconvert.timeoutMs,
        posterIntervalSeconds: m.ffmpeg.posterIntervalSeconds,
      });
    }
    case 'elastic-transcoder': {
      if (!m.ets.pipelineId) throw new Error('TRANSCODER=elastic-transcoder needs TRANSCODER_PIPELINE_ID');
      const client = new ElasticTranscoderClient(awsClientConfig(config, m.ets.endpoint, m.ets.region ?? config.s3.region, m.awsMaxAttempts));
      return new ElasticTranscoderTranscoder({ client, store, pipelineId: m.ets.pipelineId, pollIntervalMs: m.ets.pollIntervalMs, timeoutMs: m.ets.timeoutMs });
    }
  }
}

/** Processors of the media pool. */
export function createMediaProcessors(deps: MediaDeps): ProcessorMap<'media'> {
  const { config } = deps;
  const transcoder = createTranscoder(config);
  const processorDeps = {
    transcoder,
    timeouts: config.media.timeouts,
    endpoints: [config.s3.endpoint, config.aws.endpoint].filter((e): e is string => typeof e === 'string'),
    transcodedSeconds: transcodedSecondsCounter(deps.metrics.registry),
  };
  deps.log.info({ engine: transcoder.engine }, 'media pool: transcoder ready');
  if (transcoder.engine === 'ffmpeg') {
    if (dieWithParentPrefix().length === 0) deps.log.warn('setpriv not found: an ffmpeg run outlives a crashed worker until it finishes');
    const longest = Math.max(...Object.values(config.media.timeouts));
    // Twice the longest timeout: no running job on this host can own a dir that old.
    void sweepStaleWorkDirs(config.media.tmpDir ?? tmpdir(), 2 * longest, deps.log);
  }
  return {
    'media.transcode-video': transcodeProcessor('video', processorDeps),
    'media.transcode-audio': transcodeProcessor('audio', processorDeps),
  };
}
