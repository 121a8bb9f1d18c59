import { v } from '../define.ts';

export const media = {
  transcoder: v.enum(['TRANSCODER'], ['ffmpeg', 'mediaconvert', 'elastic-transcoder'], { default: 'ffmpeg', doc: 'Transcoding engine.' }),
  etsRegion: v.optionalString(['ETS_REGION'], { doc: 'Elastic Transcoder region (legacy; the service was discontinued on 2025-11-13).' }),
  pipelineId: v.optionalString(['TRANSCODER_PIPELINE_ID'], { doc: 'Elastic Transcoder pipeline id (legacy).' }),
};
