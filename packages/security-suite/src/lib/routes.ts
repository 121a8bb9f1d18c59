import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

export interface Route {
  method: string;
  /** Path template as registered (`:param`, `*`). */
  path: string;
}

/** Every route the app serves, from Fastify's own route tree (`printRoutes`): plugins' routes included, no hand-kept list. */
export function servedRoutes(app: FastifyInstance): Route[] {
  const text = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: Route[] = [];
  for (const line of text.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const path = `${depth > 0 ? (stack[depth - 1] ?? '') : ''}${m[2] ?? ''}`;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ method, path });
  }
  return out;
}

interface BullBoardRoute {
  method: string;
  route: string | string[];
}

/** Bull Board's own route table (@bull-board/api dist/routes.js): UI entry points and its JSON API. */
export function bullBoardRoutes(basePath: string): Route[] {
  const require = createRequire(import.meta.url);
  const { appRoutes } = require('@bull-board/api/dist/routes.js') as { appRoutes: { entryPoint: BullBoardRoute; api: BullBoardRoute[] } };
  const out: Route[] = [];
  for (const r of [appRoutes.entryPoint, ...appRoutes.api]) {
    for (const route of Array.isArray(r.route) ? r.route : [r.route]) {
      out.push({ method: r.method.toUpperCase(), path: route === '/' ? `${basePath}/` : `${basePath}${route}` });
    }
  }
  return out;
}

/** A concrete URL for a template: each `:param` (and `*`) replaced by the value given for it. */
export function fill(path: string, values: Record<string, string>): { url: string; unknown: string[] } {
  const unknown: string[] = [];
  const url = path.replace(/:([A-Za-z0-9_]+)|\*/g, (whole, name: string | undefined) => {
    const key = name ?? '*';
    const v = values[key];
    if (v === undefined) {
      unknown.push(whole);
      return 'x';
    }
    return encodeURIComponent(v).replace(/%2F/gi, key === '*' ? '/' : '%2F');
  });
  return { url, unknown };
}
