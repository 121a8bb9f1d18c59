import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { QueueSet } from '@fable-jobs/queue';
import type { AuditRepo } from '@fable-jobs/db';
import type { DashboardUser } from '@fable-jobs/runtime';
import { adminAuth } from './admin-auth.ts';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board for every queue of the catalogue, with its auth, in one encapsulated plugin:
 * the hook applies to the dashboard's routes only.
 */
export async function dashboardPlugin(app: FastifyInstance, opts: { queues: QueueSet; users: readonly DashboardUser[]; audit?: AuditRepo | undefined }): Promise<void> {
  app.addHook('onRequest', adminAuth(opts.users));
  // Actions taken in Bull Board (retry, promote, clean, remove, pause...) go to the audit log too.
  const audit = opts.audit;
  if (audit) {
    app.addHook('onResponse', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400) return;
      const params = (req.params ?? {}) as Record<string, string>;
      const route = (req.routeOptions.url ?? req.url).replace(DASHBOARD_PATH, '');
      await audit
        .record({
          actor: req.admin?.name ?? 'unknown',
          source: 'dashboard',
          action: `dashboard ${req.method} ${route}`,
          target: [params['queueName'], params['jobId']].filter(Boolean).join('/') || route,
          details: { url: req.url, status: reply.statusCode, ...(req.body && typeof req.body === 'object' ? { body: req.body } : {}) },
        })
        .catch((err: Error) => req.log.error({ err: err.message }, 'could not audit a dashboard action'));
    });
  }
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: opts.queues.all().map((q) => new BullMQAdapter(q, { description: q.name })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Fable Jobs' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
}
