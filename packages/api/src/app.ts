import type { S3Client } from '@aws-sdk/client-s3';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Knex } from '@fable-jobs/db';
import { lazyLogger, metricsAllowed, type Health, type Logger, type Metrics, type Config } from '@fable-jobs/runtime';
import type { QueueSet } from '@fable-jobs/queue';
import { BackgroundTasks } from './background.ts';
import { failure } from './envelope.ts';
import { featureRoutes } from './features.ts';
import { ADMIN_API_PATH, adminApiPlugin, type AdminApiOptions } from './plugins/admin-api.ts';
import { dashboardPlugin } from './plugins/dashboard.ts';
import { registerDocs } from './plugins/docs.ts';

export interface ApiDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  health: Health;
  queues: QueueSet;
  /** MySQL (llm runs, the platform tables of the Slack commands); without it /v1/f/* and /v1/slack/* are not served. */
  mysql?: Knex | undefined;
  /** Client of the asset bucket (demo indexes, voice-overs); default from config. */
  s3?: S3Client | undefined;
  /** Operator tools (dead letters, replay, search, audit) for /admin/api and the dashboard's audit. */
  admin?: Omit<AdminApiOptions, 'users'> | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Work the API finishes after answering (credits, run reports, unfurls). */
    backgroundTasks: BackgroundTasks;
  }
}

export { failure } from './envelope.ts';

const MAX_JSON_DEPTH = 64;
const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics']);


/** Whether a parsed JSON value nests deeper than `max` (iterative: no recursion on hostile input). */
export function jsonDepthOver(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}


/** The Fastify app as a value: tests call `inject()`; `main` listens. */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger,
    bodyLimit: deps.config.api.bodyLimitBytes,
    trustProxy: deps.config.api.trustProxy,
    // Probes and scrapes are not worth a log line each.
    logController: new LogController({ disableRequestLogging: (req) => QUIET_ROUTES.has(req.url.split('?')[0] ?? '') }),
    childLoggerFactory: (logger, bindings, opts) => lazyLogger(logger, bindings, opts),
    requestIdHeader: 'x-request-id',
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      // Never leak stacks, upstream errors or headers to the client.
      return reply.code(status).send(failure('internal error', 'INTERNAL'));
    }
    return reply.code(status).send(failure(err.message, err.code ?? 'BAD_REQUEST'));
  });
  // Deeply nested JSON parses fine but overflows the stack wherever it is serialised again. Only
  // routes that take a body get the check (GET and HEAD bodies are never parsed): probes and
  // dashboard reads do not pay for a hook.
  const bodyDepth = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.body !== null && typeof req.body === 'object' && jsonDepthOver(req.body, MAX_JSON_DEPTH)) {
      return reply.code(400).send(failure(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`, 'BODY_TOO_DEEP'));
    }
  };
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().every((m) => m === 'GET' || m === 'HEAD')) return;
    route.preValidation = [bodyDepth, ...[route.preValidation ?? []].flat()];
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(failure(`no route ${req.method} ${req.url.split('?')[0]}`, 'NOT_FOUND')));

  if (deps.config.api.corsOrigins.length > 0) {
    await app.register(cors, { origin: deps.config.api.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'prefer'], maxAge: 600 });
  }
  if (deps.config.api.docsEnabled) await registerDocs(app);
  app.decorate('backgroundTasks', new BackgroundTasks(deps.log.child({ component: 'api' })));

  app.get('/health', async () => ({ status: 'up' }));
  app.get('/ready', async (_req, reply) => {
    const result = await deps.health.run();
    return reply.code(result.ok ? 200 : 503).send(result);
  });
  app.get('/metrics', async (req, reply) => {
    if (!metricsAllowed(req.headers.authorization, deps.config.app.metricsToken)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send(failure('/metrics needs Authorization: Bearer <METRICS_TOKEN>', 'UNAUTHORIZED'));
    }
    return reply.type('text/plain; version=0.0.4').send(await deps.metrics.text());
  });

  if (deps.config.api.dashboardUsers.length > 0) {
    await app.register(dashboardPlugin, { queues: deps.queues, users: deps.config.api.dashboardUsers, audit: deps.admin?.audit });
    if (deps.admin) await app.register(adminApiPlugin, { prefix: ADMIN_API_PATH, users: deps.config.api.dashboardUsers, ...deps.admin });
  } else {
    deps.log.warn('DASHBOARD_USERS is empty: the dashboard (/admin/queues) is disabled');
  }
  if (deps.mysql) {
    await app.register(featureRoutes, { config: deps.config, log: deps.log.child({ component: 'api' }), queues: deps.queues, mysql: deps.mysql, s3: deps.s3, background: app.backgroundTasks });
  } else {
    deps.log.warn('no MySQL given to the API: /v1/f/* and /v1/slack/* are not served');
  }
  return app;
}
