import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ReferenceClock, type Config, type Logger } from '@fable-jobs/runtime';
import { JwksKeys } from './jwks-keys.ts';

/** Who is calling a `/v1/f/*` route, once the JWT verified. */
export interface Principal {
  /** JWT `sub`. */
  sub: string;
  /** The `<orgId>:` prefix of the header, when the frontend sent one. */
  orgId: string | undefined;
  /** The raw Authorization header, forwarded to the main API server as the old service did. */
  authorization: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const ORG = /^[A-Za-z0-9_-]{1,64}$/;

/** `Bearer <orgId>:<jwt>` (what the frontend sends) or `Bearer <jwt>`. */
export function parseAuthorization(header: string | undefined): { orgId: string | undefined; jwt: string } | undefined {
  const m = /^Bearer +(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const token = m[1];
  const colon = token.indexOf(':');
  const orgId = colon >= 0 ? token.slice(0, colon) : undefined;
  const jwt = colon >= 0 ? token.slice(colon + 1) : token;
  if ((orgId !== undefined && !ORG.test(orgId)) || !JWT.test(jwt)) return undefined;
  return { orgId, jwt };
}

async function deny(reply: FastifyReply): Promise<void> {
  // No detail of why: the reason goes to the debug log only.
  await reply.code(401).header('www-authenticate', 'Bearer').send({ status: 'Failure', data: { err: 'unauthorized', errCode: 'UNAUTHORIZED' } });
}

/**
 * JWT authentication of the frontend routes (this plugin's scope only): RS256 only, issuer and
 * audiences fixed by configuration, keys only from the configured issuer's JWKS (bounded
 * refetch for unknown kids), exp/nbf with a small clock tolerance. Any failure is a bare 401.
 * Without AUTH0_ISSUER_URL and AUTH0_AUDIENCES every request is refused.
 */
export async function frontendAuth(app: FastifyInstance, opts: { config: Config; log: Logger; redis?: { time(): Promise<ReadonlyArray<number | string>> } }): Promise<void> {
  const { llm } = opts.config;
  const issuer = llm.auth0IssuerUrl;
  if (!issuer || llm.auth0Audiences.length === 0) {
    opts.log.error('AUTH0_ISSUER_URL or AUTH0_AUDIENCES is not set: every /v1/f request is refused with 401');
    app.addHook('onRequest', async (_req, reply) => deny(reply));
    return;
  }
  const issuers = [issuer.replace(/\/+$/, ''), `${issuer.replace(/\/+$/, '')}/`];
  const keys = new JwksKeys({ issuer, ttlMs: llm.auth0JwksCacheTtlMs, minRefetchMs: llm.auth0JwksMinRefetchMs, timeoutMs: llm.auth0JwksTimeoutMs, log: opts.log });

  await app.register(fastifyJwt, {
    decode: { complete: true },
    decoratorName: 'jwtClaims',
    secret: async (_req: FastifyRequest, token: unknown) => {
      const { header, payload } = token as { header?: { alg?: unknown; kid?: unknown }; payload?: { iss?: unknown } };
      // Checked before any key lookup: other algorithms and issuers never cause a fetch.
      if (header?.alg !== 'RS256') throw new Error(`algorithm ${String(header?.alg)} is not accepted`);
      if (typeof header.kid !== 'string' || header.kid.length > 256) throw new Error('token has no usable kid');
      if (typeof payload?.iss !== 'string' || !issuers.includes(payload.iss)) throw new Error('token issuer is not the configured one');
      return keys.publicKey(header.kid);
    },
    verify: {
      algorithms: ['RS256'],
      allowedIss: issuers,
      allowedAud: llm.auth0Audiences,
      clockTolerance: llm.auth0ClockToleranceSeconds * 1000,
      requiredClaims: ['exp', 'sub', 'iss', 'aud'],
      // Verified tokens are remembered until they expire: the RSA check runs once per token.
      cache: 1000,
      extractToken: (req: FastifyRequest) => parseAuthorization(req.headers.authorization)?.jwt,
    },
  });

  // exp/nbf are checked again against the fleet's reference clock (Redis TIME): a host whose own
  // clock runs behind would otherwise accept expired tokens.
  const clock = opts.redis ? new ReferenceClock(opts.redis).start() : undefined;
  app.addHook('onClose', async () => clock?.stop());
  const toleranceMs = llm.auth0ClockToleranceSeconds * 1000;

  app.addHook('onRequest', async (req, reply) => {
    const parsed = parseAuthorization(req.headers.authorization);
    if (!parsed) return deny(reply);
    let claims: { sub?: unknown; exp?: unknown; nbf?: unknown };
    try {
      claims = await req.jwtVerify<{ sub?: unknown; exp?: unknown; nbf?: unknown }>();
    } catch (err) {
      req.log.debug({ reason: (err as Error).message }, 'JWT refused');
      return deny(reply);
    }
    if (clock) {
      const now = clock.now();
      if (typeof claims.exp === 'number' && claims.exp * 1000 + toleranceMs < now) return deny(reply);
      if (typeof claims.nbf === 'number' && claims.nbf * 1000 - toleranceMs > now) return deny(reply);
    }
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 191) return deny(reply);
    req.principal = { sub: claims.sub, orgId: parsed.orgId, authorization: req.headers.authorization as string };
  });
}
