import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksIssuer, type JwksIssuer } from '@fable-jobs/testing';
import { AUDIENCE, startApi, startExternals, type ApiFixture, type Externals } from './llm-fixture.ts';

let ext: Externals;
let api: ApiFixture;
let attacker: JwksIssuer;

beforeAll(async () => {
  ext = await startExternals();
  attacker = await startJwksIssuer();
  // A long refetch bound: the unknown-kid test must see exactly one fetch.
  api = await startApi(ext, { worker: false, env: { AUTH0_JWKS_MIN_REFETCH_MS: '600000', AUTH0_CLOCK_TOLERANCE_SECONDS: '10' } });
});

afterAll(async () => {
  await api.close();
  await attacker.server.close();
  await ext.stop();
});

const now = () => Math.floor(Date.now() / 1000);
/** An authenticated request reaches the route: unknown job ids answer 404, not 401. */
const probe = (authorization?: string) =>
  api.app.inject({ method: 'GET', url: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: authorization ? { authorization } : {} });

function expectRefused(res: Awaited<ReturnType<typeof probe>>) {
  expect(res.statusCode).toBe(401);
  // The same bare envelope whatever went wrong: no hint for an attacker.
  expect(res.json()).toEqual({ status: 'Failure', data: { err: 'unauthorized', errCode: 'UNAUTHORIZED' } });
}

describe('JWT on /v1/f/*', () => {
  it('accepts a valid RS256 token from the configured issuer, with or without the <orgId>: prefix', async () => {
    const good = ext.issuer.sign({ sub: 'auth0|ada', aud: AUDIENCE });
    expect((await probe(`Bearer 7:${good}`)).statusCode).toBe(404);
    expect((await probe(`Bearer ${good}`)).statusCode).toBe(404);
    // A second audience of AUTH0_AUDIENCES, and an audience list containing ours.
    expect((await probe(`Bearer ${ext.issuer.sign({ sub: 'auth0|ada', aud: 'https://other.fable.test' })}`)).statusCode).toBe(404);
    expect((await probe(`Bearer ${ext.issuer.sign({ sub: 'auth0|ada', aud: ['https://x.test', AUDIENCE] })}`)).statusCode).toBe(404);
    // Clock skew within the tolerance is fine.
    expect((await probe(`Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE, exp: now() - 3 })}`)).statusCode).toBe(404);
  });

  it('refuses missing and malformed headers', async () => {
    expectRefused(await probe());
    expectRefused(await probe('Basic YWRtaW46YWRtaW4='));
    expectRefused(await probe('Bearer not-a-jwt'));
    expectRefused(await probe(`Bearer 7:8:${ext.issuer.sign({ sub: 'a', aud: AUDIENCE })}`));
  });

  it('refuses expired, not-yet-valid, wrong-issuer, wrong-audience and subject-less tokens', async () => {
    expectRefused(await probe(`Bearer 7:${ext.issuer.sign({ sub: 'a', aud: AUDIENCE, exp: now() - 60 })}`));
    expectRefused(await probe(`Bearer 7:${ext.issuer.sign({ sub: 'a', aud: AUDIENCE, nbf: now() + 120 })}`));
    expectRefused(await probe(`Bearer 7:${ext.issuer.sign({ sub: 'a', aud: AUDIENCE, iss: 'https://evil.example/' })}`));
    expectRefused(await probe(`Bearer 7:${ext.issuer.sign({ sub: 'a', aud: 'https://someone-else.test' })}`));
    expectRefused(await probe(`Bearer 7:${ext.issuer.sign({ aud: AUDIENCE })}`));
    const noExp = ext.issuer.sign({ sub: 'a', aud: AUDIENCE, exp: undefined });
    expectRefused(await probe(`Bearer 7:${noExp}`));
  });

  it('refuses alg none and HS256 signed with the public key (algorithm confusion)', async () => {
    expectRefused(await probe(`Bearer 7:${ext.issuer.unsigned({ sub: 'a', aud: AUDIENCE })}`));
    expectRefused(await probe(`Bearer 7:${ext.issuer.hs256WithPublicKey({ sub: 'a', aud: AUDIENCE })}`));
  });

  it('refuses a token whose iss points to an attacker JWKS, without ever fetching it', async () => {
    // Signed by the attacker's own key, kid published at the attacker's JWKS, iss = attacker.
    const forged = attacker.sign({ sub: 'auth0|victim', aud: AUDIENCE });
    expectRefused(await probe(`Bearer 7:${forged}`));
    // Same, but claiming our issuer: the kid is unknown to our JWKS and the signature is the attacker's.
    const claimed = attacker.sign({ sub: 'auth0|victim', aud: AUDIENCE, iss: ext.issuer.issuer });
    expectRefused(await probe(`Bearer 7:${claimed}`));
    expect(attacker.jwksFetches).toHaveLength(0);
    expect(attacker.server.requests).toHaveLength(0);
  });

  it('refetches the JWKS for unknown kids at a bounded rate, and the fetch loads every real key', async () => {
    // A fresh API: its first token, an attacker's made-up kid, costs one fetch of the key set...
    const fresh = await startApi(ext, { worker: false, env: { AUTH0_JWKS_MIN_REFETCH_MS: '600000' } });
    try {
      const at = (authorization: string) => fresh.app.inject({ method: 'GET', url: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: { authorization } });
      const before = ext.issuer.jwksFetches.length;
      expectRefused(await at(`Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE }, { header: { kid: 'made-up-0' } })}`));
      expect(ext.issuer.jwksFetches.length).toBe(before + 1);
      // ...which also loaded the real key: real users are not locked out by the bound.
      expect((await at(`Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE })}`)).statusCode).toBe(404);
      // A burst of made-up (or not yet published) kids: refused, and no further fetch.
      const unpublished = ext.issuer.addKey({ published: false });
      for (let i = 1; i <= 5; i++) {
        expectRefused(await at(`Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE }, { header: { kid: `made-up-${i}` } })}`));
        expectRefused(await at(`Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE }, { kid: unpublished })}`));
      }
      expect((await at(`Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE })}`)).statusCode).toBe(404);
      expect(ext.issuer.jwksFetches.length).toBe(before + 1);
    } finally {
      await fresh.close();
    }
  });
});

describe('JWT key rotation', () => {
  it('accepts a newly published key once the refetch bound allows', async () => {
    const rotating = await startApi(ext, { worker: false, env: { AUTH0_JWKS_MIN_REFETCH_MS: '0' } });
    try {
      const kid = ext.issuer.addKey({ published: false });
      expect((await rotating.app.inject({ method: 'GET', url: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: { authorization: `Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE }, { kid })}` } })).statusCode).toBe(401);
      ext.issuer.publish(kid);
      expect((await rotating.app.inject({ method: 'GET', url: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: { authorization: `Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE }, { kid })}` } })).statusCode).toBe(404);
    } finally {
      await rotating.close();
    }
  });

  it('refuses every /v1/f request when Auth0 is not configured', async () => {
    const bare = await startApi(ext, { worker: false, env: { AUTH0_ISSUER_URL: '', AUTH0_AUDIENCES: '' } });
    try {
      const res = await bare.app.inject({ method: 'POST', url: '/v1/f/llmops', headers: { authorization: `Bearer ${ext.issuer.sign({ sub: 'a', aud: AUDIENCE })}` }, payload: {} });
      expect(res.statusCode).toBe(401);
    } finally {
      await bare.close();
    }
  });
});
