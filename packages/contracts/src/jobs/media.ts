import Type from 'typebox';
import { defineJob } from '../job-definition.ts';

const TranscodePayload = <S extends readonly string[]>(subs: S) =>
  Type.Object(
    {
      /** `jobs.job_key` of the row the main API server created (status Touched). */
      key: Type.String({ minLength: 1, maxLength: 255 }),
      /** S3 https URL of the source object (virtual-hosted or path style). */
      sourceFilePath: Type.String({ minLength: 1, maxLength: 2048 }),
      /** S3 https URL of the destination directory. */
      processedFilePath: Type.String({ minLength: 1, maxLength: 2048 }),
      sub: Type.Union(subs.map((s) => Type.Literal(s))),
    },
    // Further string attributes of the message are kept and copied into the job's info.
    { additionalProperties: Type.String({ maxLength: 4096 }) },
  );

export const VIDEO_SUBS = ['CONVERT_TO_HLS', 'CONVERT_TO_MP4'] as const;
export const AUDIO_SUBS = ['CONVERT_TO_HLS', 'CONVERT_TO_WEBM'] as const;
export const TranscodeVideoPayload = TranscodePayload(VIDEO_SUBS);
export const TranscodeAudioPayload = TranscodePayload(AUDIO_SUBS);

export const mediaJobs = [
  defineJob({
    name: 'media.transcode-video',
    pool: 'media',
    description: 'Transcode an uploaded video to HLS (with posters) or MP4 and update its `jobs` row.',
    schema: TranscodeVideoPayload,
  }),
  defineJob({
    name: 'media.transcode-audio',
    pool: 'media',
    description: 'Transcode an uploaded audio file to HLS or WEBM (Opus) and update its `jobs` row.',
    schema: TranscodeAudioPayload,
  }),
] as const;
