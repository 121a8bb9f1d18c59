import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardUser } from '@fable-jobs/runtime';
import { verifyPassword } from '../passwords.ts';

export interface AdminPrincipal {
  name: string;
  role: 'admin' | 'viewer';
}

declare module 'fastify' {
  interface FastifyRequest {
    admin?: AdminPrincipal;
  }
}

const REALM = 'Basic realm="fable-jobs admin", charset="UTF-8"';

/**
 * HTTP Basic auth for the dashboard and admin API. Verified credentials are cached by the
 * header's hash for a minute, so scrypt runs once per user per minute, not per request.
 * Viewers may only read (GET/HEAD); every other method needs the admin role.
 */
export function adminAuth(users: readonly DashboardUser[]) {
  const cache = new Map<string, { principal: AdminPrincipal; until: number }>();
  const byName = new Map(users.map((u) => [u.name, u]));

  async function authenticate(header: string | undefined): Promise<AdminPrincipal | undefined> {
    if (!header?.startsWith('Basic ')) return undefined;
    const digest = createHash('sha256').update(header).digest('hex');
    const hit = cache.get(digest);
    if (hit && hit.until > Date.now()) return hit.principal;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return undefined;
    const user = byName.get(decoded.slice(0, colon));
    if (!user || !(await verifyPassword(decoded.slice(colon + 1), user.password))) return undefined;
    const principal = { name: user.name, role: user.role };
    if (cache.size > 1000) cache.clear();
    cache.set(digest, { principal, until: Date.now() + 60_000 });
    return principal;
  }

  return async function onRequest(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = await authenticate(req.headers.authorization);
    if (!principal) {
      await reply.code(401).header('www-authenticate', REALM).send({ status: 'Failure', data: { err: 'authentication required', errCode: 'ADMIN_UNAUTHENTICATED' } });
      return;
    }
    if (principal.role !== 'admin' && req.method !== 'GET' && req.method !== 'HEAD') {
      // `error` and `message` are what Bull Board's UI shows in its error toast.
      const message = 'read-only user: this action needs the admin role';
      await reply.code(403).send({ status: 'Failure', data: { err: message, errCode: 'ADMIN_FORBIDDEN' }, error: 'Forbidden', message });
      return;
    }
    req.admin = principal;
  };
}
