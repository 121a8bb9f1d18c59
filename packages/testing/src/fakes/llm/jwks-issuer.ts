import { createHmac, createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LlmFakeHttpServer, sendJson, type LlmRecordedRequest } from './http.ts';

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Published in the JWKS. */
  published: boolean;
}

/**
 * An Auth0-like issuer: RS256 keys, `/.well-known/jwks.json` and
 * `/.well-known/openid-configuration`, and helpers that mint good and hostile tokens.
 * Counts every JWKS fetch so tests can prove what was (not) fetched.
 */
export class JwksIssuer {
  readonly server: LlmFakeHttpServer;
  readonly #keys: SigningKey[] = [];

  constructor() {
    this.server = new LlmFakeHttpServer((req, res) => this.#handle(req, res));
    this.addKey();
  }

  /** The `iss` claim value, as Auth0 writes it (with a trailing slash). */
  get issuer(): string {
    return `${this.server.url}/`;
  }

  get jwksFetches(): LlmRecordedRequest[] {
    return this.server.calls('/.well-known/jwks.json');
  }

  get kid(): string {
    return (this.#keys[0] as SigningKey).kid;
  }

  get publicKeyPem(): string {
    return (this.#keys[0] as SigningKey).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Add a signing key; unpublished keys sign tokens whose kid the JWKS does not list. */
  addKey(opts: { published?: boolean; kid?: string } = {}): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = opts.kid ?? randomUUID();
    this.#keys.push({ kid, privateKey, publicKey, published: opts.published ?? true });
    return kid;
  }

  publish(kid: string): void {
    const k = this.#keys.find((x) => x.kid === kid);
    if (k) k.published = true;
  }

  /** An RS256 token; claims default to a valid one for `audience`, expiring in 10 minutes. */
  sign(claims: Record<string, unknown>, opts: { kid?: string; header?: Record<string, unknown> } = {}): string {
    const key = this.#keys.find((k) => k.kid === (opts.kid ?? this.kid)) as SigningKey;
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: key.kid, ...opts.header };
    const payload = { iss: this.issuer, iat: now, exp: now + 600, ...claims };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(key.privateKey);
    return `${input}.${b64url(sig)}`;
  }

  /** `alg: none`, no signature. */
  unsigned(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid: this.kid }))}.${b64url(JSON.stringify({ iss: this.issuer, iat: now, exp: now + 600, ...claims }))}.`;
  }

  /** HS256 with the issuer's PUBLIC key as the HMAC secret (the algorithm-confusion attack). */
  hs256WithPublicKey(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: this.kid }))}.${b64url(JSON.stringify({ iss: this.issuer, iat: now, exp: now + 600, ...claims }))}`;
    return `${input}.${b64url(createHmac('sha256', this.publicKeyPem).update(input).digest())}`;
  }

  #handle(req: LlmRecordedRequest, res: ServerResponse): void {
    if (req.path === '/.well-known/jwks.json') {
      const keys = this.#keys
        .filter((k) => k.published)
        .map((k) => ({ ...(k.publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: k.kid, alg: 'RS256', use: 'sig' }));
      return sendJson(res, 200, { keys });
    }
    if (req.path === '/.well-known/openid-configuration') {
      return sendJson(res, 200, { issuer: this.issuer, jwks_uri: `${this.server.url}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] });
    }
    sendJson(res, 404, { error: 'not_found' });
  }
}

export async function startJwksIssuer(): Promise<JwksIssuer> {
  const issuer = new JwksIssuer();
  await issuer.server.listen();
  return issuer;
}
