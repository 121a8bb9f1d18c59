import { defineMessage } from '../message-definition.ts';
import { TranscodeAudioPayload, TranscodeVideoPayload } from '../jobs/media.ts';

export const transcodeVideo = defineMessage({
  type: 'TRANSCODE_VIDEO',
  description: 'An uploaded video to transcode. Legacy: attributes key, sourceFilePath, processedFilePath, sub (+ info).',
  schema: TranscodeVideoPayload,
  routes: (to) => ({ all: [to('media.transcode-video', (p) => p)] }),
});

export const transcodeAudio = defineMessage({
  type: 'TRANSCODE_AUDIO',
  description: 'An uploaded audio file to transcode. Legacy: attributes key, sourceFilePath, processedFilePath, sub (+ info).',
  schema: TranscodeAudioPayload,
  routes: (to) => ({ all: [to('media.transcode-audio', (p) => p)] }),
});
