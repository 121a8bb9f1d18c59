import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Health, Logger, Metrics, Config } from '@fable-jobs/runtime';
import type { QueueSet } from '@fable-jobs/queue';
import { dashboardPlugin } from './plugins/dashboard.ts';

export interface ApiDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  health: Health;
  queues: QueueSet;
}

/** The old service's envelope: `{"status":"Success"|"Failure","data":...}`. */
export function failure(err: string, errCode: string | number) {
  return { status: 'Failure' as const, data: { err, errCode } };
}

/** The Fastify app as a value: tests call `inject()`; `main` listens. */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger,
    bodyLimit: deps.config.api.bodyLimitBytes,
    trustProxy: deps.config.api.trustProxy,
    disableRequestLogging: false,
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
  app.setNotFoundHandler((req, reply) => reply.code(404).send(failure(`no route ${req.method} ${req.url.split('?')[0]}`, 'NOT_FOUND')));

  app.get('/health', async () => ({ status: 'up' }));
  app.get('/ready', async (_req, reply) => {
    const result = await deps.health.run();
    return reply.code(result.ok ? 200 : 503).send(result);
  });
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(await deps.metrics.text()));

  if (deps.config.api.dashboardUsers.length > 0) {
    await app.register(dashboardPlugin, { queues: deps.queues, users: deps.config.api.dashboardUsers });
  } else {
    deps.log.warn('DASHBOARD_USERS is empty: the dashboard (/admin/queues) is disabled');
  }
  return app;
}
