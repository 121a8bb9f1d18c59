import { triggerAnalytics } from './analytics.ts';
import { cbe } from './cbe.ts';
import { nf } from './nf.ts';
import { subsSideEffect } from './subs.ts';
import { systemEffect, systemNoop } from './system.ts';
import { transcodeAudio, transcodeVideo } from './transcode.ts';

/** Every SQS message type producers send. Add a type: one definition here, with its routes. */
export const MESSAGES = [transcodeVideo, transcodeAudio, nf, cbe, subsSideEffect, triggerAnalytics, systemNoop, systemEffect] as const;
export type MessageType = (typeof MESSAGES)[number]['type'];
