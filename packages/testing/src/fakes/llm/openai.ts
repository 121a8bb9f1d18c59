import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { LlmFakeHttpServer, randomId, sendJson, type LlmRecordedRequest } from './http.ts';

/** 0.37 s of a 440 Hz tone, MPEG-2 Layer III, 32 kb/s (made once with ffmpeg's lavfi sine source). */
export const TONE_MP3: Buffer = readFileSync(new URL('./fixtures/tone.mp3', import.meta.url));

/** Voices the speech endpoint accepts (the SDK's documented built-ins). */
export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
const FORMATS: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };

export type OpenAiScript = { kind: 'rate-limited'; retryAfterSeconds?: number } | { kind: 'server-error' };

/**
 * A fake of OpenAI `POST /v1/audio/speech`: bearer auth, the request body checks the API
 * makes (model, input ≤ 4096 characters, voice, response_format), error bodies
 * `{"error":{"message","type","param","code"}}`, and real MP3 bytes as the answer.
 */
export class FakeOpenAi {
  readonly server: LlmFakeHttpServer;
  readonly #key: string;
  readonly #script: OpenAiScript[] = [];

  constructor(key: string) {
    this.#key = key;
    this.server = new LlmFakeHttpServer((req, res) => this.#handle(req, res));
  }

  get url(): string {
    return this.server.url;
  }

  get calls(): LlmRecordedRequest[] {
    return this.server.calls('/v1/audio/speech');
  }

  script(...steps: OpenAiScript[]): this {
    this.#script.push(...steps);
    return this;
  }

  #handle(req: LlmRecordedRequest, res: ServerResponse): void {
    const id = randomId('req_');
    const error = (status: number, message: string, type: string, param: string | null, code: string | null, headers: Record<string, string> = {}) =>
      sendJson(res, status, { error: { message, type, param, code } }, { 'x-request-id': id, ...headers });
    if (req.method !== 'POST' || req.path !== '/v1/audio/speech') return error(404, `Invalid URL (${req.method} ${req.path})`, 'invalid_request_error', null, null);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return error(401, "You didn't provide an API key.", 'invalid_request_error', null, null);
    if (auth.slice(7) !== this.#key) return error(401, 'Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');
    const body = req.json as { model?: unknown; input?: unknown; voice?: unknown; response_format?: unknown } | undefined;
    if (!body) return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null, null);
    if (typeof body.model !== 'string' || !body.model) return error(400, "Missing required parameter: 'model'.", 'invalid_request_error', 'model', 'missing_required_parameter');
    if (typeof body.input !== 'string') return error(400, "Missing required parameter: 'input'.", 'invalid_request_error', 'input', 'missing_required_parameter');
    if (body.input.length > 4096) return error(400, `Invalid 'input': string too long. Expected a string with maximum length 4096, but got a string with length ${body.input.length} instead.`, 'invalid_request_error', 'input', 'string_above_max_length');
    if (typeof body.voice !== 'string' || !OPENAI_VOICES.includes(body.voice)) {
      return error(400, `Invalid value: '${String(body.voice)}'. Supported values are: ${OPENAI_VOICES.map((v) => `'${v}'`).join(', ')}.`, 'invalid_request_error', 'voice', 'invalid_value');
    }
    const format = typeof body.response_format === 'string' ? body.response_format : 'mp3';
    if (!(format in FORMATS)) return error(400, `Invalid value: '${format}'.`, 'invalid_request_error', 'response_format', 'invalid_value');
    const step = this.#script.shift();
    if (step?.kind === 'rate-limited') return error(429, 'Rate limit reached for requests', 'requests', null, 'rate_limit_exceeded', { 'retry-after': String(step.retryAfterSeconds ?? 1) });
    if (step?.kind === 'server-error') return error(500, 'The server had an error while processing your request.', 'server_error', null, null);
    // Only mp3 has a real fixture; the route asks for mp3.
    res.writeHead(200, { 'content-type': FORMATS[format] ?? 'audio/mpeg', 'content-length': TONE_MP3.length, 'x-request-id': id, 'openai-processing-ms': '5' });
    res.end(TONE_MP3);
  }
}

export async function startFakeOpenAi(key: string): Promise<FakeOpenAi> {
  const fake = new FakeOpenAi(key);
  await fake.server.listen();
  return fake;
}
