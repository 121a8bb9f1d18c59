import { createHash } from 'node:crypto';
import { CancelJobCommand, CreateJobCommand, GetJobCommand, type Job, type MediaConvertClient } from '@aws-sdk/client-mediaconvert';
import { PermanentError, RetryableError, classifyError } from '@fable-jobs/contracts';
import { engineError, sleep } from '../aws.ts';
import { outputNames, type TranscodeContext, type TranscodeRequest, type TranscodeResult, type Transcoder } from '../transcoder.ts';
import { mediaConvertSettings } from './job-settings.ts';

export interface MediaConvertOptions {
  client: MediaConvertClient;
  roleArn: string;
  queueArn: string | undefined;
  pollInitialMs: number;
  pollMaxMs: number;
  timeoutMs: number;
  posterIntervalSeconds: number;
}

/** Same job and attempt → same token: a re-run after a crash re-attaches to the job MediaConvert already has. */
export function clientRequestToken(jobId: string, attempt: number): string {
  return createHash('sha256').update(`fable-media:${jobId}:${attempt}`).digest('hex');
}

/** AWS Elemental MediaConvert: CreateJob, then GetJob with backoff until COMPLETE / ERROR / CANCELED. */
export class MediaConvertTranscoder implements Transcoder {
  readonly engine = 'mediaconvert' as const;
  readonly #o: MediaConvertOptions;

  constructor(options: MediaConvertOptions) {
    this.#o = options;
  }

  async transcode(req: TranscodeRequest, ctx: TranscodeContext): Promise<TranscodeResult> {
    const o = this.#o;
    const { signal } = ctx;
    let job: Job | undefined;
    try {
      job = (
        await o.client.send(
          new CreateJobCommand({
            Role: o.roleArn,
            ...(o.queueArn ? { Queue: o.queueArn } : {}),
            ClientRequestToken: clientRequestToken(req.jobId, req.attempt),
            UserMetadata: { fableJobId: req.jobId },
            Settings: mediaConvertSettings(req.conversion, req.source, req.destination, o.posterIntervalSeconds),
          }),
          { abortSignal: signal },
        )
      ).Job;
    } catch (err) {
      throw engineError(err, 'MediaConvert', 'CreateJob', signal);
    }
    const id = job?.Id;
    if (!id) throw new RetryableError('MediaConvert CreateJob returned no job id', { code: 'MEDIA_ENGINE_UNAVAILABLE' });
    ctx.log.info({ engine: 'mediaconvert', mediaConvertJobId: id }, 'MediaConvert job created');

    const deadline = Date.now() + o.timeoutMs;
    let delay = o.pollInitialMs;
    try {
      for (;;) {
        if (job?.Status === 'COMPLETE') break;
        if (job?.Status === 'ERROR') {
          throw new PermanentError(`MediaConvert job ${id} failed: ${job.ErrorCode ?? '?'} ${job.ErrorMessage ?? ''}`.trim(), { code: 'MEDIA_TRANSCODE_FAILED' });
        }
        if (job?.Status === 'CANCELED') throw new PermanentError(`MediaConvert job ${id} was canceled outside the pool`, { code: 'MEDIA_TRANSCODE_FAILED' });
        if (typeof job?.JobPercentComplete === 'number') ctx.progress(job.JobPercentComplete);
        if (Date.now() + delay > deadline) {
          throw new RetryableError(`MediaConvert job ${id} did not finish within MEDIACONVERT_TIMEOUT_MS (${o.timeoutMs} ms; last status ${job?.Status ?? '?'})`, { code: 'MEDIA_TRANSCODE_TIMEOUT' });
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, o.pollMaxMs);
        try {
          job = (await o.client.send(new GetJobCommand({ Id: id }), { abortSignal: signal })).Job;
        } catch (err) {
          const mapped = engineError(err, 'MediaConvert', 'GetJob', signal);
          // A throttled or failed poll is not the job failing: keep polling (with the longer delay).
          if (signal.aborted || classifyError(mapped) === 'permanent') throw mapped;
          ctx.log.warn({ mediaConvertJobId: id, err: (mapped as Error).message }, 'GetJob failed; polling again');
        }
      }
    } catch (err) {
      if (signal.aborted || (err as { code?: string }).code === 'MEDIA_TRANSCODE_TIMEOUT') await this.#cancel(id, ctx);
      throw err;
    }

    const ms = Math.max(0, ...(job.OutputGroupDetails ?? []).flatMap((g) => (g.OutputDetails ?? []).map((d) => d.DurationInMs ?? 0)));
    const main = outputNames(req.conversion, req.source.stem).main;
    return { engine: 'mediaconvert', engineJobId: id, durationSeconds: ms / 1000, outputKey: req.destination.prefix + main, outputKeys: [req.destination.prefix + main] };
  }

  /** Best effort: stop a job we gave up on, so it does not keep running (and billing) beside the retry. */
  async #cancel(id: string, ctx: TranscodeContext): Promise<void> {
    try {
      await this.#o.client.send(new CancelJobCommand({ Id: id }), { abortSignal: AbortSignal.timeout(10_000) });
      ctx.log.info({ mediaConvertJobId: id }, 'MediaConvert job canceled');
    } catch (err) {
      ctx.log.warn({ mediaConvertJobId: id, err: (err as Error).message }, 'could not cancel the MediaConvert job');
    }
  }
}
