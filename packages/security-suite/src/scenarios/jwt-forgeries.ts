// Forged JWTs against /v1/f/* of the listening API, verified against a local JWKS issuer; the attacker's issuer counts its requests.
import { createHmac, createPublicKey, createSign, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { migrateWithRetry } from '@fable-jobs/db';
import { LlmRunsRepo } from '@fable-jobs/llm';
import { startJwksIssuer, testConfig } from '@fable-jobs/testing';
import { AUDIENCE, startApiStack, startLlmFakes } from '../lib/api-stack.ts';
import { runScenario, sleep, type ScenarioResult } from '../lib/result.ts';

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token from raw header/payload objects (or JSON text) and a signer over `header.payload`. */
function craft(header: Record<string, unknown> | string, payload: Record<string, unknown> | string, signer: (input: string) => Buffer | string): string {
  const h = typeof header === 'string' ? header : JSON.stringify(header);
  const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = `${b64url(h)}.${b64url(p)}`;
  return `${input}.${b64url(signer(input))}`;
}

const rsa = (key: KeyObject, hash = 'RSA-SHA256') => (input: string) => createSign(hash).update(input).sign(key);
const hmac = (secret: string | Buffer, hash = 'sha256') => (input: string) => createHmac(hash, secret).update(input).digest();

export async function jwtForgeries(): Promise<ScenarioResult> {
  return runScenario('jwt-forgeries', 90_000, async (t, defer) => {
    await migrateWithRetry(testConfig().config, { createDatabases: true });
    const fakes = await startLlmFakes();
    defer.add('fakes', () => fakes.stop());
    const attacker = await startJwksIssuer();
    defer.add('attacker issuer', () => attacker.server.close());
    // No clock tolerance, so the cache-outlives-expiry check below needs only a short wait.
    const api = await startApiStack({ fakes, env: { AUTH0_JWKS_MIN_REFETCH_MS: '600000', AUTH0_CLOCK_TOLERANCE_SECONDS: '0', LLM_ROUTE_WAIT_MS: '200' } });
    defer.add('api', () => api.close());
    const issuer = fakes.issuer;
    const runs = new LlmRunsRepo(api.h.mysql);

    // A run owned by the victim: a request authenticated as the victim reads it back (200 with data).
    const victim = `auth0|victim-${randomUUID()}`;
    const victimRun = randomUUID();
    await runs.create({ id: victimRun, orgId: '7', userSub: victim, thread: 'sec', entityId: undefined, type: 'root_router_req', model: 'm', requestedModel: undefined, input: { req: 'x' }, credits: 0 });
    const countRuns = async () => Number((await api.h.mysql('llm_runs').where('user_sub', victim).count({ n: '*' }))[0]?.n ?? 0);

    const read = (authorization: string | undefined, path = `/v1/f/llmops/jobs/${victimRun}`) => api.http.request({ path, headers: authorization ? { authorization } : {} });
    const start = (authorization: string) =>
      api.http.request({
        method: 'POST',
        path: '/v1/f/llmops',
        headers: { authorization, 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: 'sec-thread', user_payload: { req: 'forged?' } }),
      });

    const claims = (extra: Record<string, unknown> = {}) => ({ iss: issuer.issuer, sub: victim, aud: AUDIENCE, iat: now(), exp: now() + 600, ...extra });
    const realKid = issuer.kid;
    const realPem = issuer.publicKeyPem;
    const realJwk = JSON.stringify({ ...(createPublicKey(realPem).export({ format: 'jwk' }) as Record<string, unknown>), kid: realKid, alg: 'RS256', use: 'sig' });
    const { privateKey: evilRsa, publicKey: evilRsaPub } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { privateKey: evilEc, publicKey: evilEcPub } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const evilJwk = { ...(evilRsaPub.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'evil-1', alg: 'RS256', use: 'sig' };
    const es256 = (input: string) => cryptoSign('sha256', Buffer.from(input), { key: evilEc, dsaEncoding: 'ieee-p1363' });
    const ps256 = (input: string) => cryptoSign('sha256', Buffer.from(input), { key: evilRsa, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
    const valid = issuer.sign({ sub: `auth0|someone-${randomUUID()}`, aud: AUDIENCE });
    const [vh, , vs] = valid.split('.');

    const forgeries: Array<[string, string]> = [
      ['alg none', issuer.unsigned({ sub: victim, aud: AUDIENCE })],
      ['alg None', craft({ alg: 'None', typ: 'JWT', kid: realKid }, claims(), () => '')],
      ['alg NONE', craft({ alg: 'NONE', typ: 'JWT', kid: realKid }, claims(), () => '')],
      ['alg nOnE with a garbage signature', craft({ alg: 'nOnE', kid: realKid }, claims(), () => 'garbage')],
      ['alg none, typ absent, no kid', craft({ alg: 'none' }, claims(), () => '')],
      ['HS256 with the public key PEM as secret', issuer.hs256WithPublicKey({ sub: victim, aud: AUDIENCE })],
      ['HS256 with the PEM without its final newline', craft({ alg: 'HS256', typ: 'JWT', kid: realKid }, claims(), hmac(realPem.trim()))],
      ['HS384 with the public key PEM', craft({ alg: 'HS384', kid: realKid }, claims(), hmac(realPem, 'sha384'))],
      ['HS512 with the public key PEM', craft({ alg: 'HS512', kid: realKid }, claims(), hmac(realPem, 'sha512'))],
      ['HS256 with the DER of the public key', craft({ alg: 'HS256', kid: realKid }, claims(), hmac(Buffer.from(realPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')))],
      ['HS256 with the JWK text as secret', craft({ alg: 'HS256', kid: realKid }, claims(), hmac(realJwk))],
      ['HS256 with an empty secret', craft({ alg: 'HS256', kid: realKid }, claims(), hmac(''))],
      ['RS256 with an empty signature', craft({ alg: 'RS256', typ: 'JWT', kid: realKid }, claims(), () => '')],
      ['lower-case alg rs256 (real key)', issuer.sign({ sub: victim, aud: AUDIENCE }, { header: { alg: 'rs256' } })],
      ['wrong issuer (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, iss: 'https://evil.example/' })],
      ['issuer with a doubled slash (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, iss: `${issuer.issuer}/` })],
      ['issuer missing (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, iss: undefined })],
      ['wrong audience (real key)', issuer.sign({ sub: victim, aud: 'https://someone-else.test' })],
      ['audience list without ours (real key)', issuer.sign({ sub: victim, aud: ['https://a.test', 'https://b.test'] })],
      ['audience missing (real key)', issuer.sign({ sub: victim })],
      ['audience as a prefix of ours (real key)', issuer.sign({ sub: victim, aud: AUDIENCE.slice(0, -1) })],
      ['expired a minute ago (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, exp: now() - 60 })],
      ['exp as a string (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, exp: String(now() + 600) })],
      ['not valid before in two minutes (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, nbf: now() + 120 })],
      ['no exp (real key)', issuer.sign({ sub: victim, aud: AUDIENCE, exp: undefined })],
      ['no sub (real key)', issuer.sign({ aud: AUDIENCE })],
      ['empty sub (real key)', issuer.sign({ sub: '', aud: AUDIENCE })],
      ['numeric sub (real key)', issuer.sign({ sub: 12345, aud: AUDIENCE })],
      ['sub of 192 characters (real key)', issuer.sign({ sub: 'x'.repeat(192), aud: AUDIENCE })],
      ['attacker issuer, attacker key, iss = attacker', attacker.sign({ sub: victim, aud: AUDIENCE })],
      ['attacker key claiming our issuer (kid unknown to us)', attacker.sign({ sub: victim, aud: AUDIENCE, iss: issuer.issuer })],
      ['attacker key under our real kid', craft({ alg: 'RS256', typ: 'JWT', kid: realKid }, claims(), rsa(evilRsa))],
      ['jku header pointing at the attacker JWKS', craft({ alg: 'RS256', kid: attacker.kid, jku: `${attacker.server.url}/.well-known/jwks.json` }, claims(), rsa(evilRsa))],
      ['x5u header pointing at the attacker', craft({ alg: 'RS256', kid: 'evil-1', x5u: `${attacker.server.url}/cert.pem` }, claims(), rsa(evilRsa))],
      ['embedded jwk header (attacker RSA key)', craft({ alg: 'RS256', kid: 'evil-1', jwk: evilJwk }, claims(), rsa(evilRsa))],
      ['embedded jwk header (attacker EC key), ES256', craft({ alg: 'ES256', kid: 'evil-ec', jwk: evilEcPub.export({ format: 'jwk' }) }, claims(), es256)],
      ['PS256 signed by the attacker under our kid', craft({ alg: 'PS256', kid: realKid }, claims(), ps256)],
      ['RS512 signed by the attacker under our kid', craft({ alg: 'RS512', kid: realKid }, claims(), rsa(evilRsa, 'RSA-SHA512'))],
      ['kid path traversal', craft({ alg: 'RS256', kid: '../../../../../../dev/null' }, claims(), rsa(evilRsa))],
      ['kid SQL injection', craft({ alg: 'RS256', kid: "x' UNION SELECT 'key' -- " }, claims(), rsa(evilRsa))],
      ['kid of 300 characters', craft({ alg: 'RS256', kid: 'k'.repeat(300) }, claims(), rsa(evilRsa))],
      ['duplicate alg keys in the header (none last)', craft(`{"alg":"RS256","kid":"${realKid}","alg":"none"}`, claims(), () => '')],
      ['valid header and signature, payload swapped to the victim', `${vh}.${b64url(JSON.stringify(claims()))}.${vs}`],
      ['signature of another valid token', `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: realKid }))}.${b64url(JSON.stringify(claims()))}.${vs}`],
    ];

    for (const [name, token] of forgeries) {
      const get = await read(`Bearer 7:${token}`);
      const post = await start(`Bearer ${token}`);
      t.attempt(name, get.status !== 401 || post.status !== 401, `GET answered ${get.status}, POST answered ${post.status}`);
    }

    // The header itself: no token, other schemes, two tokens, the token outside the header.
    const good = api.auth(victim);
    const goodJwt = good.split(':')[1] ?? '';
    const headerTricks: Array<[string, string | undefined, string?]> = [
      ['no Authorization header', undefined],
      ['Basic credentials', `Basic ${Buffer.from(`${victim}:x`).toString('base64')}`],
      ['Bearer with an empty token', 'Bearer '],
      ['two tokens in one header', `Bearer ${issuer.unsigned({ sub: victim, aud: AUDIENCE })} ${goodJwt}`],
      ['org prefix carrying a second colon', `Bearer 7:8:${goodJwt}`],
      ['org prefix with path characters', `Bearer ../../7:${goodJwt}`],
      ['token in the query string only', undefined, `/v1/f/llmops/jobs/${victimRun}?access_token=${goodJwt}`],
    ];
    for (const [name, header, path] of headerTricks) {
      const res = await read(header, path);
      t.attempt(name, res.status !== 401, `answered ${res.status}`);
    }
    const cookie = await api.http.request({ path: `/v1/f/llmops/jobs/${victimRun}`, headers: { cookie: `token=${goodJwt}; access_token=${goodJwt}` } });
    t.attempt('token in a cookie only', cookie.status !== 401, `answered ${cookie.status}`);

    // Verified tokens are cached: the cache must not outlive the token's expiry.
    const shortLived = issuer.sign({ sub: victim, aud: AUDIENCE, exp: now() + 2 });
    const beforeExpiry = await read(`Bearer 7:${shortLived}`);
    t.control('a short-lived valid token works before it expires', beforeExpiry.status === 200, `answered ${beforeExpiry.status}`);
    await sleep(3200);
    const afterExpiry = await read(`Bearer 7:${shortLived}`);
    t.attempt('a cached token used after its expiry', afterExpiry.status !== 401, `answered ${afterExpiry.status}`);

    const forgedRuns = (await countRuns()) - 1;
    t.attempt('runs created for the victim by forged POSTs', forgedRuns > 0, `${forgedRuns} llm_runs rows`);
    t.attempt('the attacker issuer was contacted', attacker.server.requests.length > 0, `${attacker.server.requests.length} requests: ${attacker.server.requests.map((r) => r.path).join(', ')}`);

    // Controls: the real token reads the victim's run and can start a run.
    const ok = await read(good);
    t.control('a valid token reads its own run (200 with the run id)', ok.status === 200 && JSON.stringify(ok.json).includes(victimRun), `answered ${ok.status}`);
    const okNoOrg = await read(`Bearer ${goodJwt}`);
    t.control('a valid token without the org prefix', okNoOrg.status === 200, `answered ${okNoOrg.status}`);
    const started = await start(good);
    t.control('a valid token starts a run (202, llm_runs row)', started.status === 202 && (await countRuns()) === 2, `answered ${started.status}`);
    t.control('the real JWKS was fetched (keys came from the configured issuer)', issuer.jwksFetches.length >= 1, `${issuer.jwksFetches.length} fetches`);
    return `${forgeries.length} forged tokens × (GET run, POST llmops) + ${headerTricks.length + 1} header tricks + expiry-after-cache`;
  });
}
