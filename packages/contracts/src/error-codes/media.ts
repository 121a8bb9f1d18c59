/**
 * Failure codes of the media pool (the `CODE:` of a failed job's reason and of
 * `jobs.failure_reason`), with what they mean and whether the job is retried.
 */
export const MEDIA_ERROR_CODES = {
  MEDIA_BAD_URL: 'sourceFilePath or processedFilePath is not an S3 URL of the expected form. Permanent.',
  MEDIA_UNKNOWN_SUB: '`sub` is not a conversion this job kind knows. Permanent.',
  MEDIA_SOURCE_NOT_FOUND: 'The source object (or its bucket) does not exist. Permanent.',
  MEDIA_DESTINATION_NOT_FOUND: 'The destination bucket does not exist. Permanent.',
  MEDIA_ACCESS_DENIED: 'S3 refused access to the source or destination. Permanent (fix the policy, then replay).',
  MEDIA_SOURCE_TOO_LARGE: 'The source is larger than MEDIA_MAX_SOURCE_BYTES. Permanent.',
  MEDIA_SOURCE_UNREADABLE: 'ffprobe/ffmpeg cannot read the source: corrupt, truncated or not a media file. Permanent.',
  MEDIA_SOURCE_NO_VIDEO: 'A video job whose source has no video stream. Permanent.',
  MEDIA_SOURCE_NO_AUDIO: 'An audio job whose source has no audio stream. Permanent.',
  MEDIA_TRANSCODE_FAILED: 'The engine could not transcode the source (ffmpeg exit status, MediaConvert/ETS job ERROR). Permanent.',
  MEDIA_TRANSCODE_TIMEOUT: "The transcode took longer than the sub's timeout and was stopped. Retried.",
  MEDIA_ENGINE_CRASHED: 'ffmpeg died from a signal it was not sent by us (e.g. out of memory), or the disk filled up. Retried.',
  MEDIA_S3_UNAVAILABLE: 'S3 failed or throttled (5xx, SlowDown, network) after the SDK retries. Retried.',
  MEDIA_ENGINE_UNAVAILABLE: 'MediaConvert / Elastic Transcoder failed (5xx, network). Retried.',
  MEDIA_ENGINE_THROTTLED: 'MediaConvert / Elastic Transcoder throttled the call after the SDK retries. Retried.',
  MEDIA_ENGINE_REJECTED: 'MediaConvert / Elastic Transcoder refused the request (4xx: settings, role, pipeline). Permanent.',
} as const;

export type MediaErrorCode = keyof typeof MEDIA_ERROR_CODES;
