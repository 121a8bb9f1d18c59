import { serveOps } from '@fable-jobs/runtime';
import type { Context } from '../context.ts';

/** /health /ready /metrics on METRICS_PORT for standalone bridge and worker processes. */
export async function startOps(ctx: Context): Promise<void> {
  if (ctx.config.app.metricsPort === 0) return;
  const server = await serveOps({ port: ctx.config.app.metricsPort, metrics: ctx.metrics, health: ctx.health, log: ctx.log, metricsToken: ctx.config.app.metricsToken });
  ctx.lifecycle.on('close', 'ops server', () => new Promise<void>((resolve) => server.close(() => resolve())));
}
