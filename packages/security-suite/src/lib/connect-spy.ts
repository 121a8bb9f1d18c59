import net from 'node:net';

export interface ConnectAttempt {
  /** What the socket was asked to connect to (an IP after the SSRF guard, else a name). */
  host: string;
  port: number;
  /** The address a name resolved to, or the peer once connected. */
  address?: string | undefined;
  /** The socket itself (bytes read from the peer: `socket.bytesRead`). */
  socket: net.Socket;
}

type ConnectFn = (...args: unknown[]) => net.Socket;

/** Records every outbound TCP connect of this process (net and tls), so a connect to an address nobody listens on (169.254.169.254) is still seen. */
export class ConnectSpy {
  readonly attempts: ConnectAttempt[] = [];
  #original: ConnectFn | undefined;

  install(): void {
    if (this.#original) return;
    const original = net.Socket.prototype.connect as unknown as ConnectFn;
    this.#original = original;
    const attempts = this.attempts;
    (net.Socket.prototype as unknown as { connect: ConnectFn }).connect = function (this: net.Socket, ...args: unknown[]) {
      // net.connect passes [options, cb] as one normalised array; direct calls pass (options) or (port, host).
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      let host = 'localhost';
      let port = 0;
      if (typeof first === 'object' && first !== null) {
        const o = first as { host?: string; port?: number | string; path?: string };
        if (o.path) return original.apply(this, args);
        host = o.host ?? 'localhost';
        port = Number(o.port);
      } else if (typeof first === 'number' || typeof first === 'string') {
        port = Number(first);
        host = typeof args[1] === 'string' ? args[1] : 'localhost';
      }
      const attempt: ConnectAttempt = { host, port, socket: this };
      attempts.push(attempt);
      this.once('lookup', (_err: Error | null, address: string) => (attempt.address = address));
      this.once('connect', () => (attempt.address = this.remoteAddress ?? attempt.address));
      return original.apply(this, args);
    };
  }

  restore(): void {
    if (!this.#original) return;
    (net.Socket.prototype as unknown as { connect: ConnectFn }).connect = this.#original;
    this.#original = undefined;
  }

  /** Attempts to `port` (any host) or to one of `hosts` (any port). */
  to(opts: { ports?: ReadonlySet<number>; hosts?: ReadonlySet<string> }): ConnectAttempt[] {
    const norm = (h: string | undefined) => (h ?? '').replace(/^\[|\]$/g, '').toLowerCase();
    return this.attempts.filter((a) => opts.ports?.has(a.port) || opts.hosts?.has(norm(a.host)) || opts.hosts?.has(norm(a.address)));
  }
}

/** A TCP server on every local address (`::`, dual stack) that counts connections: the SSRF victim. */
export class Victim {
  connections = 0;
  readonly #sockets = new Set<net.Socket>();
  readonly #server = net.createServer((s) => {
    this.connections += 1;
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
    // Answer like an internal HTTP service would, so a request that gets here is complete.
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 24\r\nconnection: close\r\n\r\n{"secret":"internal-42"}'));
    s.on('error', () => {});
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port: 0, host: '::', ipv6Only: false }, () => resolve());
    });
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
