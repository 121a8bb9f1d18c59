import { CancelJobCommand, CreateJobCommand, ReadJobCommand, type CreateJobOutput, type ElasticTranscoderClient, type Job } from '@aws-sdk/client-elastic-transcoder';
import { PermanentError, RetryableError, classifyError } from '@fable-jobs/contracts';
import { engineError, sleep } from '../aws.ts';
import type { S3Store } from '../s3-store.ts';
import { outputNames, type Conversion, type TranscodeContext, type TranscodeRequest, type TranscodeResult, type Transcoder } from '../transcoder.ts';

/** The system presets the old service used. */
export const ETS_PRESETS = {
  videoHls: '1351620000001-200010',
  videoMp4: '1351620000001-100070',
  audioHls: '1351620000001-200060',
  audioWebm: '1351620000001-300020',
} as const;

export interface ElasticTranscoderOptions {
  client: ElasticTranscoderClient;
  store: S3Store;
  pipelineId: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

/** The one output of a conversion, as the old service asked for it. */
export function etsOutput(conversion: Conversion, stem: string): CreateJobOutput {
  if (conversion.kind === 'video') {
    return conversion.sub === 'CONVERT_TO_HLS'
      ? { Key: stem, PresetId: ETS_PRESETS.videoHls, SegmentDuration: '4.0', ThumbnailPattern: 'poster-{count}' }
      : { Key: `${stem}.mp4`, PresetId: ETS_PRESETS.videoMp4 };
  }
  return conversion.sub === 'CONVERT_TO_HLS' ? { Key: stem, PresetId: ETS_PRESETS.audioHls, SegmentDuration: '4.0' } : { Key: `${stem}.webm`, PresetId: ETS_PRESETS.audioWebm };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Legacy parity (AWS discontinued Elastic Transcoder on 2025-11-13): CreateJob on the pipeline,
 * ReadJob every pollIntervalMs until Complete / Error / Canceled, give up after timeoutMs.
 */
export class ElasticTranscoderTranscoder implements Transcoder {
  readonly engine = 'elastic-transcoder' as const;
  readonly #o: ElasticTranscoderOptions;

  constructor(options: ElasticTranscoderOptions) {
    this.#o = options;
  }

  async transcode(req: TranscodeRequest, ctx: TranscodeContext): Promise<TranscodeResult> {
    const o = this.#o;
    const { signal } = ctx;
    const { destination, source, conversion } = req;
    // Elastic Transcoder fails a job whose output exists (error 3002): clear what an earlier run of this job wrote.
    const stem = escapeRegExp(source.stem);
    const ours = conversion.sub === 'CONVERT_TO_HLS' ? new RegExp(`^(${stem}(\\d{5})?\\.(m3u8|ts)${conversion.kind === 'video' ? '|poster-\\d{5}\\.png' : ''})$`) : new RegExp(`^${escapeRegExp(outputNames(conversion, source.stem).main)}$`);
    const stale = await o.store.listKeys(destination, (name) => ours.test(name), signal);
    if (stale.length > 0) {
      ctx.log.info({ count: stale.length }, 'removing outputs of an earlier run before creating the Elastic Transcoder job');
      await o.store.deleteKeys(destination, stale, signal);
    }

    let job: Job | undefined;
    try {
      job = (
        await o.client.send(
          new CreateJobCommand({ PipelineId: o.pipelineId, Input: { Key: source.key }, OutputKeyPrefix: destination.prefix, Outputs: [etsOutput(conversion, source.stem)] }),
          { abortSignal: signal },
        )
      ).Job;
    } catch (err) {
      throw engineError(err, 'Elastic Transcoder', 'CreateJob', signal);
    }
    const id = job?.Id;
    if (!id) throw new RetryableError('Elastic Transcoder CreateJob returned no job id', { code: 'MEDIA_ENGINE_UNAVAILABLE' });
    ctx.log.info({ engine: 'elastic-transcoder', etsJobId: id }, 'Elastic Transcoder job created');

    const deadline = Date.now() + o.timeoutMs;
    try {
      for (;;) {
        const status = job?.Status;
        if (status === 'Complete') break;
        if (status === 'Error') {
          const detail = job?.Outputs?.find((x) => x.Status === 'Error')?.StatusDetail ?? job?.Output?.StatusDetail ?? 'no detail';
          throw new PermanentError(`Elastic Transcoder job ${id} failed: ${detail}`, { code: 'MEDIA_TRANSCODE_FAILED' });
        }
        if (status === 'Canceled') throw new PermanentError(`Elastic Transcoder job ${id} was canceled outside the pool`, { code: 'MEDIA_TRANSCODE_FAILED' });
        if (status === 'Progressing') ctx.progress(50);
        if (Date.now() + o.pollIntervalMs > deadline) {
          throw new RetryableError(`Elastic Transcoder job ${id} did not finish within ETS_TIMEOUT_MS (${o.timeoutMs} ms; last status ${status ?? '?'})`, { code: 'MEDIA_TRANSCODE_TIMEOUT' });
        }
        await sleep(o.pollIntervalMs, signal);
        try {
          job = (await o.client.send(new ReadJobCommand({ Id: id }), { abortSignal: signal })).Job;
        } catch (err) {
          const mapped = engineError(err, 'Elastic Transcoder', 'ReadJob', signal);
          if (signal.aborted || classifyError(mapped) === 'permanent') throw mapped;
          ctx.log.warn({ etsJobId: id, err: (mapped as Error).message }, 'ReadJob failed; polling again');
        }
      }
    } catch (err) {
      if (signal.aborted || (err as { code?: string }).code === 'MEDIA_TRANSCODE_TIMEOUT') await this.#cancel(id, ctx);
      throw err;
    }

    const out = job?.Outputs?.[0] ?? job?.Output;
    const seconds = out?.DurationMillis !== undefined ? out.DurationMillis / 1000 : (out?.Duration ?? 0);
    const main = outputNames(conversion, source.stem).main;
    return { engine: 'elastic-transcoder', engineJobId: id, durationSeconds: seconds, outputKey: destination.prefix + main, outputKeys: [destination.prefix + main] };
  }

  /** Best effort: Elastic Transcoder only cancels a job that is still Submitted. */
  async #cancel(id: string, ctx: TranscodeContext): Promise<void> {
    try {
      await this.#o.client.send(new CancelJobCommand({ Id: id }), { abortSignal: AbortSignal.timeout(10_000) });
      ctx.log.info({ etsJobId: id }, 'Elastic Transcoder job canceled');
    } catch (err) {
      ctx.log.warn({ etsJobId: id, err: (err as Error).message }, 'could not cancel the Elastic Transcoder job');
    }
  }
}
