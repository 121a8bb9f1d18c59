import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config, Logger } from '@fable-jobs/runtime';
import type { BackgroundTasks } from '../background.ts';
import { failure } from '../envelope.ts';
import { updateFeatureCommand, userDetailsCommand } from '../slack/commands.ts';
import type { PlatformRepo } from '../slack/platform-repo.ts';
import { checkSlackSignature, SLACK_MAX_AGE_SECONDS } from '../slack/signature.ts';
import type { DemoUnfurler } from '../slack/unfurl.ts';

declare module 'fastify' {
  interface FastifyRequest {
    slackRawBody?: string;
  }
}

export interface SlackOptions {
  config: Config;
  log: Logger;
  /** Replay and event de-duplication marks (shared by every API replica). */
  redis: Redis;
  platform: PlatformRepo;
  unfurler: DemoUnfurler;
  background: BackgroundTasks;
}

const BODY_LIMIT = 1024 * 1024;

/**
 * Slack's requests (`/v1/slack/*`, also mounted under `/v1/f/slack/*`): every one verified with
 * the signing secret over its raw body, older than five minutes or seen before refused, and
 * answered exactly once (event retries are acknowledged without being processed again).
 */
export async function slackRoutes(app: FastifyInstance, opts: SlackOptions): Promise<void> {
  const { config, redis, platform, unfurler, background } = opts;
  const secret = config.llm.slackSigningSecret;
  const allowed = new Set(config.llm.slackAllowedUserIds);
  const key = (kind: string, id: string) => `${config.redis.prefix}:slack:${kind}:${id}`;

  // The signature covers the raw body: keep it, then parse it here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    const raw = body as string;
    req.slackRawBody = raw;
    if (/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return done(null, Object.fromEntries(new URLSearchParams(raw)));
    try {
      done(null, raw ? JSON.parse(raw) : {});
    } catch {
      done(Object.assign(new Error('body is not valid JSON'), { statusCode: 400, code: 'BAD_JSON' }), undefined);
    }
  });

  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!secret) {
      await reply.code(503).send(failure('Slack is not configured on this server', 'SLACK_NOT_CONFIGURED'));
      return;
    }
    const ts = req.headers['x-slack-request-timestamp'];
    const sig = req.headers['x-slack-signature'];
    const check = checkSlackSignature(secret, typeof ts === 'string' ? ts : undefined, typeof sig === 'string' ? sig : undefined, req.slackRawBody ?? '');
    if (check !== 'ok') {
      req.log.warn({ check }, 'Slack request refused');
      await reply.code(401).send(failure('unauthorized', 'SLACK_UNAUTHORIZED'));
      return;
    }
    // A captured request replayed within its five minutes carries the same signature.
    const fresh = await redis.set(key('sig', createHash('sha256').update(sig as string).digest('hex')), '1', 'EX', SLACK_MAX_AGE_SECONDS * 2, 'NX');
    if (fresh !== 'OK') {
      req.log.warn('Slack request replayed: refused');
      await reply.code(401).send(failure('unauthorized', 'SLACK_UNAUTHORIZED'));
    }
  });

  const events = async (req: FastifyRequest, reply: FastifyReply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    // Interactivity payloads (button clicks on our cards) only need an acknowledgement.
    if (typeof body['payload'] === 'string') return reply.code(200).send();
    if (body['type'] === 'url_verification' && typeof body['challenge'] === 'string') return reply.send({ challenge: body['challenge'] });
    if (body['type'] !== 'event_callback') return reply.code(200).send();
    const eventId = typeof body['event_id'] === 'string' ? body['event_id'] : undefined;
    // Slack retries an event it thinks we missed; it is handled once.
    if (eventId && (await redis.set(key('event', eventId), '1', 'EX', 3600, 'NX')) !== 'OK') return reply.code(200).send();
    const event = (body['event'] ?? {}) as Record<string, unknown>;
    if (event['type'] === 'link_shared') {
      background.run('slack unfurl', async () => {
        const n = await unfurler.unfurl(event as Parameters<DemoUnfurler['unfurl']>[0]);
        if (n) req.log.info({ links: n, eventId }, 'demo links unfurled');
      });
    }
    return reply.code(200).send();
  };

  const command = (run: (text: string) => Promise<unknown>) => async (req: FastifyRequest, reply: FastifyReply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = typeof body['user_id'] === 'string' ? body['user_id'] : '';
    if (!allowed.has(userId)) {
      req.log.warn({ userId, command: body['command'] }, 'pango command from a user outside SLACK_ALLOWED_USER_IDS');
      return reply.send({ response_type: 'ephemeral', text: 'You are not allowed to run this command.' });
    }
    req.log.info({ userId, command: body['command'] }, 'pango command');
    return reply.send(await run(typeof body['text'] === 'string' ? body['text'] : ''));
  };

  app.post('/url_verification', { schema: { hide: true } }, events);
  app.post('/handle', { schema: { hide: true } }, events);
  app.post('/pango/user-details', { schema: { hide: true } }, command((text) => userDetailsCommand(platform, text)));
  app.post('/pango/update-feature', { schema: { hide: true } }, command((text) => updateFeatureCommand(platform, text)));
}
