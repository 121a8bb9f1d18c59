import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AudGenRequest } from '@fable-jobs/contracts';
import type { Config, Logger } from '@fable-jobs/runtime';
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { speechCredits } from '../credits.ts';
import { ServiceError } from '../errors.ts';
import type { MainApiClient } from '../main-api-client.ts';
import { annotationText, indexKey, type DemoIndexCache } from './demo-index.ts';
import { renderSpokenText } from './render-text.ts';

/** The speech endpoint takes at most this many characters. */
export const MAX_SPEECH_CHARS = 4096;

export interface SpeechResult {
  url: string;
  mediaType: 'audio/mpeg';
  characters: number;
  credits: number;
  key: string;
}

export interface SpeechDeps {
  config: Config;
  log: Logger;
  /** Client for the asset bucket. */
  s3: S3Client;
  indexes: DemoIndexCache;
  mainApi: MainApiClient | undefined;
}

/** MP3: an ID3v2 tag or an MPEG audio frame sync at the start. */
export function looksLikeMp3(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) return true;
  return bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0;
}

/**
 * Voice-over of one annotation (`/v1/f/aud/gen`): the display text from the demo index with
 * `vars` rendered in, synthesized by OpenAI and stored — through the main API server's upload
 * link when it is configured, else in the asset bucket under a key derived from the input.
 */
export class SpeechService {
  readonly #deps: SpeechDeps;
  readonly #openai: OpenAI | undefined;

  constructor(deps: SpeechDeps) {
    this.#deps = deps;
    const { llm } = deps.config;
    this.#openai = llm.openaiKey ? new OpenAI({ apiKey: llm.openaiKey, baseURL: llm.openaiBaseUrl, timeout: llm.ttsTimeoutMs, maxRetries: 1, organization: null, project: null }) : undefined;
  }

  async generate(req: AudGenRequest, opts: { authorization: string | undefined; signal?: AbortSignal }): Promise<SpeechResult> {
    if (!this.#openai) throw new ServiceError('TTS_UPSTREAM_FAILED', 503, 'speech is not configured (OPENAI_KEY)');
    const { config } = this.#deps;
    const index = await this.#deps.indexes.get(indexKey(req.indexUri));
    const text = renderSpokenText(annotationText(index, req.entityUri), req.vars);
    if (!text) throw new ServiceError('TTS_BAD_INPUT', 400, `annotation ${req.entityUri} has no text to speak`);
    if (text.length > MAX_SPEECH_CHARS) throw new ServiceError('TTS_BAD_INPUT', 400, `the text is ${text.length} characters; speech takes at most ${MAX_SPEECH_CHARS}`);

    const audio = await this.#synthesize(text, req.voice, opts.signal);
    const key = `aud/gen/${createHash('sha256').update(JSON.stringify([req.indexUri, req.entityUri, req.voice, config.llm.ttsModel, text])).digest('hex')}.mp3`;
    const url = await this.#store(key, audio, opts.authorization);
    return { url, mediaType: 'audio/mpeg', characters: text.length, credits: speechCredits(text.length), key };
  }

  async #synthesize(input: string, voice: string, signal: AbortSignal | undefined): Promise<Buffer> {
    const { config, log } = this.#deps;
    let bytes: Buffer;
    try {
      const res = await (this.#openai as OpenAI).audio.speech.create({ model: config.llm.ttsModel, input, voice, response_format: 'mp3' }, signal ? { signal } : {});
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (err instanceof APIError && !(err instanceof APIConnectionError) && !(err instanceof APIUserAbortError) && err.status === 400) {
        if (err.param === 'voice') throw new ServiceError('TTS_BAD_INPUT', 400, `voice "${voice}" is not accepted by the speech API`);
        throw new ServiceError('TTS_BAD_INPUT', 400, `the speech API refused the text (${err.code ?? 'invalid_request'})`);
      }
      const status = err instanceof APIError ? err.status : undefined;
      log.warn({ status, err: (err as Error).name }, 'speech synthesis failed');
      throw new ServiceError('TTS_UPSTREAM_FAILED', status === 429 ? 503 : 502, 'speech synthesis failed upstream; try again', { cause: err });
    }
    if (!looksLikeMp3(bytes)) throw new ServiceError('TTS_UPSTREAM_FAILED', 502, 'speech synthesis returned no MP3 audio');
    return bytes;
  }

  async #store(key: string, audio: Buffer, authorization: string | undefined): Promise<string> {
    const { config, mainApi, s3 } = this.#deps;
    if (mainApi && authorization) {
      const link = await mainApi.uploadLink(authorization, 'audio/mpeg');
      let res: Response;
      try {
        res = await fetch(link.url, { method: 'PUT', body: audio, headers: { 'content-type': 'audio/mpeg' }, signal: AbortSignal.timeout(config.llm.mainApiTimeoutMs), redirect: 'error' });
      } catch (err) {
        throw new ServiceError('TTS_STORE_FAILED', 502, 'uploading the audio failed', { cause: err });
      }
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new ServiceError('TTS_STORE_FAILED', 502, `uploading the audio failed (HTTP ${res.status})`);
      return link.cdnPath;
    }
    try {
      await s3.send(new PutObjectCommand({ Bucket: config.s3.assetBucket, Key: key, Body: audio, ContentType: 'audio/mpeg', CacheControl: 'public, max-age=31536000, immutable' }));
    } catch (err) {
      throw new ServiceError('TTS_STORE_FAILED', 502, 'storing the audio in the asset bucket failed', { cause: err });
    }
    return config.llm.audioPublicBaseUrl ? `${config.llm.audioPublicBaseUrl}/${key}` : `/${key}`;
  }
}
