import type { FastifyInstance } from 'fastify';
import { ApiFailure, AudGenRequest, AudGenResponse } from '@fable-jobs/contracts';
import type { MainApiClient, SpeechService } from '@fable-jobs/llm';
import type { BackgroundTasks } from '../background.ts';
import { failure } from '../envelope.ts';

export interface AudGenOptions {
  speech: SpeechService;
  mainApi: MainApiClient | undefined;
  background: BackgroundTasks;
}

/**
 * `POST /v1/f/aud/gen`: the voice-over of one annotation. Credits
 * (ceil(ceil(characters / 1000) × 0.5)) are deducted only once the audio is stored.
 */
export async function audGenRoutes(app: FastifyInstance, opts: AudGenOptions): Promise<void> {
  app.post(
    '/aud/gen',
    {
      schema: {
        description: 'Voice-over of one annotation of a demo (OpenAI text-to-speech, MP3).',
        body: AudGenRequest,
        response: { 200: AudGenResponse, '4xx': ApiFailure, '5xx': ApiFailure },
      },
    },
    async (req, reply) => {
      const principal = req.principal;
      if (!principal) return reply.code(401).send(failure('unauthorized', 'UNAUTHORIZED'));
      const abort = new AbortController();
      req.raw.once('close', () => {
        if (!reply.sent) abort.abort();
      });
      const result = await opts.speech.generate(req.body as AudGenRequest, { authorization: principal.authorization, signal: abort.signal });
      const { mainApi } = opts;
      if (mainApi && result.credits > 0) {
        opts.background.run('aud/gen credits', () => mainApi.deductCredits(principal.authorization, result.credits));
      }
      req.log.info({ characters: result.characters, credits: result.credits }, 'voice-over generated');
      return reply.send({ status: 'Success', data: { url: result.url, mediaType: result.mediaType } });
    },
  );
}
