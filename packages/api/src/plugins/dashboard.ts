import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { QueueSet } from '@fable-jobs/queue';
import type { DashboardUser } from '@fable-jobs/runtime';
import { adminAuth } from './admin-auth.ts';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board for every queue of the catalogue, with its auth, in one encapsulated plugin:
 * the hook applies to the dashboard's routes only.
 */
export async function dashboardPlugin(app: FastifyInstance, opts: { queues: QueueSet; users: readonly DashboardUser[] }): Promise<void> {
  app.addHook('onRequest', adminAuth(opts.users));
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: opts.queues.all().map((q) => new BullMQAdapter(q, { description: q.name })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Fable Jobs' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
}
