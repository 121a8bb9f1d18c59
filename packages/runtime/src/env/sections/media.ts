import { v } from '../define.ts';

const MINUTE = 60_000;

export const media = {
  transcoder: v.enum(['TRANSCODER'], ['ffmpeg', 'mediaconvert', 'elastic-transcoder'], { default: 'ffmpeg', doc: 'Transcoding engine.' }),
  tmpDir: v.optionalString(['MEDIA_TMP_DIR'], { doc: 'Where the ffmpeg engine downloads sources and writes outputs (default: the OS temp dir). Needs room for source + outputs of every running job.' }),
  maxSourceBytes: v.int(['MEDIA_MAX_SOURCE_BYTES'], { default: 5 * 1024 ** 3, min: 1, doc: 'Larger source objects fail permanently (MEDIA_SOURCE_TOO_LARGE) instead of being downloaded.' }),
  timeouts: {
    videoHls: v.int(['MEDIA_TIMEOUT_VIDEO_HLS_MS'], { default: 40 * MINUTE, min: 1000, doc: 'TRANSCODE_VIDEO CONVERT_TO_HLS: the transcode is killed (and retried) after this long.' }),
    videoMp4: v.int(['MEDIA_TIMEOUT_VIDEO_MP4_MS'], { default: 40 * MINUTE, min: 1000, doc: 'TRANSCODE_VIDEO CONVERT_TO_MP4 timeout.' }),
    audioHls: v.int(['MEDIA_TIMEOUT_AUDIO_HLS_MS'], { default: 15 * MINUTE, min: 1000, doc: 'TRANSCODE_AUDIO CONVERT_TO_HLS timeout.' }),
    audioWebm: v.int(['MEDIA_TIMEOUT_AUDIO_WEBM_MS'], { default: 15 * MINUTE, min: 1000, doc: 'TRANSCODE_AUDIO CONVERT_TO_WEBM timeout.' }),
  },
  ffmpeg: {
    path: v.string(['FFMPEG_PATH'], { default: 'ffmpeg', doc: 'ffmpeg executable.' }),
    probePath: v.string(['FFPROBE_PATH'], { default: 'ffprobe', doc: 'ffprobe executable.' }),
    threads: v.int(['MEDIA_FFMPEG_THREADS'], { default: 0, min: 0, max: 64, doc: 'Encoder threads per ffmpeg run (0 = ffmpeg decides).' }),
    x264Preset: v.enum(['MEDIA_X264_PRESET'], ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'], { default: 'veryfast', doc: 'libx264 speed/size trade-off.' }),
    maxHeight: v.int(['MEDIA_MAX_HEIGHT'], { default: 1080, min: 144, max: 4320, doc: 'Taller videos are scaled down to this height.' }),
    posterIntervalSeconds: v.int(['MEDIA_POSTER_INTERVAL_SECONDS'], { default: 60, min: 1, doc: 'HLS video: one poster-NNNNN.png every this many seconds (the first at 0 s).' }),
    killGraceMs: v.int(['MEDIA_KILL_GRACE_MS'], { default: 5000, min: 0, doc: 'After SIGTERM, ffmpeg gets this long to exit before SIGKILL.' }),
  },
  uploadConcurrency: v.int(['MEDIA_UPLOAD_CONCURRENCY'], { default: 4, min: 1, max: 64, doc: 'Parallel S3 uploads per job (segments, posters).' }),
  awsMaxAttempts: v.int(['MEDIA_AWS_MAX_ATTEMPTS'], { default: 3, min: 1, max: 10, doc: 'Tries per MediaConvert / Elastic Transcoder call inside one job attempt (SDK retry with backoff).' }),
  mediaconvert: {
    endpoint: v.optionalUrl(['MEDIACONVERT_ENDPOINT'], { protocols: ['http', 'https'], doc: 'MediaConvert API endpoint (default: the regional endpoint of MEDIACONVERT_REGION).' }),
    region: v.optionalString(['MEDIACONVERT_REGION'], { doc: 'MediaConvert region (default AWS_S3_REGION).' }),
    roleArn: v.optionalString(['MEDIACONVERT_ROLE_ARN'], { doc: 'IAM role MediaConvert assumes to read the source and write outputs (required with TRANSCODER=mediaconvert).' }),
    queueArn: v.optionalString(['MEDIACONVERT_QUEUE_ARN'], { doc: 'MediaConvert queue (default: the account default queue).' }),
    pollInitialMs: v.int(['MEDIACONVERT_POLL_INITIAL_MS'], { default: 2000, min: 10, doc: 'First GetJob poll delay; doubled per poll up to MEDIACONVERT_POLL_MAX_MS.' }),
    pollMaxMs: v.int(['MEDIACONVERT_POLL_MAX_MS'], { default: 30_000, min: 10, doc: 'Longest delay between GetJob polls.' }),
    timeoutMs: v.int(['MEDIACONVERT_TIMEOUT_MS'], { default: 30 * MINUTE, min: 100, doc: 'Give up waiting for COMPLETE/ERROR after this long (the job is retried).' }),
  },
  ets: {
    endpoint: v.optionalUrl(['ETS_ENDPOINT'], { protocols: ['http', 'https'], doc: 'Elastic Transcoder API endpoint (default: the regional endpoint of ETS_REGION).' }),
    region: v.optionalString(['ETS_REGION'], { doc: 'Elastic Transcoder region (legacy; the service was discontinued on 2025-11-13).' }),
    pipelineId: v.optionalString(['TRANSCODER_PIPELINE_ID'], { doc: 'Elastic Transcoder pipeline id (legacy; required with TRANSCODER=elastic-transcoder).' }),
    pollIntervalMs: v.int(['ETS_POLL_INTERVAL_MS'], { default: 2000, min: 10, doc: 'ReadJob poll interval (the old service polled every 2 s).' }),
    timeoutMs: v.int(['ETS_TIMEOUT_MS'], { default: 12 * MINUTE, min: 100, doc: 'Give up waiting for Complete/Error after this long (the old service: 12 minutes).' }),
  },
};
