import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config, Logger } from '@fable-jobs/runtime';
import { failure } from '../envelope.ts';
import { frontendAuth } from '../plugins/frontend-auth.ts';
import { audGenRoutes, type AudGenOptions } from './aud-gen.ts';
import { llmopsRoutes, type LlmopsOptions } from './llmops.ts';

export interface FrontendOptions extends LlmopsOptions, AudGenOptions {
  config: Config;
  log: Logger;
  /** Redis of the per-user rate limit (shared by every API replica). */
  redis: Redis;
}

/**
 * `/v1/f/*`: JWT authentication, a per-user rate limit (Redis store) on the paid routes, and
 * domain errors answered with their status and the `ApiResp` envelope.
 */
export async function frontendRoutes(app: FastifyInstance, opts: FrontendOptions): Promise<void> {
  const { config } = opts;
  await frontendAuth(app, { config, log: opts.log, redis: opts.redis });

  app.setErrorHandler((err: FastifyError & { status?: number }, req, reply) => {
    if (err.name === 'ServiceError' && typeof err.status === 'number') {
      if (err.status >= 500) req.log.warn({ code: err.code, err: err.message }, 'request failed upstream');
      // ServiceError messages are written for the client; upstream bodies never reach them.
      return reply.code(err.status).send(failure(err.message, err.code));
    }
    // As the app's handler: 4xx say what was wrong, 5xx say nothing.
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(status).send(failure('internal error', 'INTERNAL'));
    }
    return reply.code(status).send(failure(err.message, err.code ?? 'BAD_REQUEST'));
  });

  await app.register(rateLimit, {
    global: true,
    // After authentication: the key is the user, not the IP of a shared proxy.
    hook: 'preHandler',
    max: config.api.userRateLimitMax,
    timeWindow: config.api.userRateLimitWindowMs,
    redis: opts.redis,
    nameSpace: `${config.redis.prefix}:api-rate:`,
    keyGenerator: (req) => `user:${req.principal?.sub ?? req.ip}`,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      name: 'RateLimited',
      message: `too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
    }),
  });

  // Fastify passes `prefix` in the options: nested plugins get only theirs, or it would apply twice.
  const { queues, runs, waiter, settlement, background, speech, mainApi } = opts;
  await app.register(llmopsRoutes, { config, queues, runs, waiter, settlement, background });
  await app.register(audGenRoutes, { speech, mainApi, background });
}
