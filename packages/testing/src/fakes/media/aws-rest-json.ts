import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** Date.now() when it arrived (tests check poll intervals). */
  at: number;
}

/** An AWS restJson1 error: HTTP status, `x-amzn-ErrorType` and `{"message": ...}` (as the real services send). */
export interface AwsErrorSpec {
  status: number;
  type: string;
  message: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Route = (req: RecordedRequest, params: string[]) => Reply | Promise<Reply>;

export interface RestJsonServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export class AwsError extends Error {
  readonly spec: AwsErrorSpec;
  constructor(spec: AwsErrorSpec) {
    super(spec.message);
    this.spec = spec;
  }
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...extra });
  res.end(text);
}

export function sendAwsError(res: ServerResponse, e: AwsErrorSpec): void {
  send(res, e.status, { message: e.message }, { 'x-amzn-errortype': e.type });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local HTTP server for an AWS restJson1 API: routes by method + path pattern, records every
 * request, answers unsigned requests with 403 MissingAuthenticationTokenException and route
 * misses with 404 UnknownOperationException, as API Gateway-fronted AWS services do.
 */
export async function startRestJsonServer(routes: ReadonlyArray<[method: string, pattern: RegExp, route: Route]>, before?: (req: RecordedRequest, res: ServerResponse) => boolean): Promise<RestJsonServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        return sendAwsError(res, { status: 400, type: 'SerializationException', message: 'Request body is not valid JSON' });
      }
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() };
      requests.push(rec);
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        return sendAwsError(res, { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
      }
      if (before?.(rec, res)) return;
      for (const [method, pattern, route] of routes) {
        const m = method === rec.method ? pattern.exec(path) : null;
        if (!m) continue;
        const reply = await route(rec, m.slice(1).map((p) => decodeURIComponent(p)));
        return send(res, reply.status, reply.body);
      }
      sendAwsError(res, { status: 404, type: 'UnknownOperationException', message: `No operation matches ${rec.method} ${path}` });
    } catch (err) {
      if (err instanceof AwsError) return sendAwsError(res, err.spec);
      sendAwsError(res, { status: 500, type: 'InternalServerErrorException', message: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Injected failures per operation: the next `times` calls of `op` answer with `error`. */
export class FaultPlan<Op extends string> {
  readonly #faults = new Map<Op, { times: number; error: AwsErrorSpec }>();

  failNext(op: Op, times: number, error: AwsErrorSpec): void {
    this.#faults.set(op, { times, error });
  }

  /** Called first in each route: throws the planned error while one is pending for `op`. */
  inject(op: Op): void {
    const f = this.#faults.get(op);
    if (f && f.times > 0) {
      f.times -= 1;
      throw new AwsError(f.error);
    }
  }

  clear(): void {
    this.#faults.clear();
  }
}

/** What a fake AWS job service (MediaConvert, Elastic Transcoder) hands its test. */
export interface JobServiceFake<Op extends string, Plan> {
  /** The service endpoint. */
  url: string;
  /** Every request received (method, path, JSON body as sent on the wire). */
  requests: RecordedRequest[];
  /** The plan of jobs created from now on. */
  plan: Plan;
  /** Answer the next `times` calls of `op` with this error (e.g. a 429 throttle). */
  failNext(op: Op, times: number, error: AwsErrorSpec): void;
  /** Request count per operation. */
  count(op: Op): number;
  /** Forget recorded requests and pending faults (between tests). */
  reset(): void;
  close(): Promise<void>;
}

/** The handle of a job-service fake, from its server, faults, plan and request → operation map. */
export function jobServiceFake<Op extends string, Plan>(server: RestJsonServer, faults: FaultPlan<Op>, plan: { get(): Plan; set(p: Plan): void }, opOf: (r: RecordedRequest) => Op | undefined): JobServiceFake<Op, Plan> {
  return {
    url: server.url,
    requests: server.requests,
    get plan() {
      return plan.get();
    },
    set plan(p: Plan) {
      plan.set(p);
    },
    failNext: (op, times, error) => faults.failNext(op, times, error),
    count: (op) => server.requests.filter((r) => opOf(r) === op).length,
    reset() {
      server.requests.length = 0;
      faults.clear();
    },
    close: server.close,
  };
}
