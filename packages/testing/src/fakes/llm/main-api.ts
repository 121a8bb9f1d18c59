import type { ServerResponse } from 'node:http';
import { LlmFakeHttpServer, randomId, sendJson, type LlmRecordedRequest } from './http.ts';

/**
 * The parts of the main API server the llm routes call, with its `ApiResp` envelope
 * (`{"status":"Success"|"Failure","data":...}`): run reports (`/v1/f/llmrun`,
 * `/v1/f/updatellmrun`), credits (`/v1/f/deductcredit`), upload links (`/v1/f/getuploadlink`,
 * answered with a presigned-style PUT URL on this server), `/v1/cconfig` and the published demo
 * data under `pubTourAssetPath`. `/v1/f/*` needs an Authorization header (it is recorded).
 */
export class FakeLlmMainApi {
  readonly server: LlmFakeHttpServer;
  readonly uploads = new Map<string, { body: Buffer; contentType: string }>();
  readonly #published = new Map<string, unknown>();
  readonly #failures = new Map<string, number[]>();

  constructor() {
    this.server = new LlmFakeHttpServer((req, res) => this.#handle(req, res));
  }

  get url(): string {
    return this.server.url;
  }

  calls(path: string): LlmRecordedRequest[] {
    return this.server.requests.filter((r) => r.path === path);
  }

  /** The next call to `path` answers with this HTTP status and a Failure envelope. */
  failNext(path: string, status: number): this {
    this.#failures.set(path, [...(this.#failures.get(path) ?? []), status]);
    return this;
  }

  /** Serve `<pubTourAssetPath><rid>/0_d_data.json`. */
  publishDemo(rid: string, data: unknown): this {
    this.#published.set(rid, data);
    return this;
  }

  #handle(req: LlmRecordedRequest, res: ServerResponse): void {
    const ok = (data: unknown) => sendJson(res, 200, { status: 'Success', data });
    const failure = (status: number, err: string) => sendJson(res, status, { status: 'Failure', data: { err, errCode: status } });
    const failing = this.#failures.get(req.path)?.shift();
    if (failing) return failure(failing, 'scripted failure');
    if (req.path.startsWith('/v1/f/') && !req.headers.authorization) return failure(401, 'unauthorized');
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'POST /v1/f/llmrun':
        return ok({ id: randomId('llmrun_') });
      case 'POST /v1/f/updatellmrun':
        return ok({ updated: true });
      case 'POST /v1/f/deductcredit': {
        const body = req.json as { deductBy?: unknown; creditType?: unknown } | undefined;
        if (!body || typeof body.deductBy !== 'number' || body.creditType !== 'AI_CREDIT') return failure(400, 'bad deductcredit body');
        return ok({ deducted: body.deductBy });
      }
      case 'GET /v1/f/getuploadlink': {
        const te = req.query.get('te');
        if (!te) return failure(400, 'te is required');
        const contentType = Buffer.from(te, 'base64').toString('utf8');
        const id = randomId('up_');
        return ok({ url: `${this.url}/upload/${id}?X-Amz-Signature=fake&ct=${encodeURIComponent(contentType)}`, cdnPath: `${this.url}/cdn/${id}` });
      }
      case 'GET /v1/cconfig':
        return ok({ pubTourAssetPath: `${this.url}/ptour/` });
    }
    if (req.method === 'PUT' && req.path.startsWith('/upload/')) {
      this.uploads.set(req.path.slice('/upload/'.length), { body: req.body, contentType: String(req.headers['content-type'] ?? '') });
      res.writeHead(200, { etag: `"${randomId('')}"` });
      return void res.end();
    }
    const published = /^\/ptour\/([^/]+)\/0_d_data\.json$/.exec(req.path);
    if (req.method === 'GET' && published?.[1] && this.#published.has(published[1])) return sendJson(res, 200, this.#published.get(published[1]));
    failure(404, `no route ${route}`);
  }
}

export async function startFakeLlmMainApi(): Promise<FakeLlmMainApi> {
  const fake = new FakeLlmMainApi();
  await fake.server.listen();
  return fake;
}
