import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3OutageProxy {
  /** Point the S3 client here (S3_ENDPOINT). */
  url: string;
  /** Answer every request with 503 SlowDown until `up()`. */
  down(): void;
  up(): void;
  /** Requests answered with 503 so far. */
  readonly refused: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3 endpoint that can make S3 "go down": while down it answers as
 * S3 does when it sheds load (503, `<Error><Code>SlowDown</Code>...`), otherwise it forwards.
 */
export async function startS3OutageProxy(target: string): Promise<S3OutageProxy> {
  const to = new URL(target);
  let isDown = false;
  let refused = 0;
  const server = createServer((req, res) => {
    if (isDown) {
      refused += 1;
      req.resume();
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>${requestId}</RequestId><HostId>fake</HostId></Error>`;
      res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId });
      res.end(body);
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
