import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../redis-server.ts';

export interface TcpProxy {
  port: number;
  /** Accepting and forwarding. */
  readonly up: boolean;
  /** Outage: stop listening (connects are refused) and cut every open connection. */
  down(): Promise<void>;
  /** End of the outage: listen again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP forwarder to a real server (e.g. PostgreSQL) that a test can take down and bring back,
 * to produce a real outage for one client without touching the server others use.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve();
      });
    });
  const down = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    port,
    get up() {
      return server !== undefined;
    },
    down,
    restore: async () => {
      if (!server) await listen();
    },
    close: down,
  };
}
