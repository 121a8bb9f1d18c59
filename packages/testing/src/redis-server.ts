import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServerHandle {
  url: string;
  port: number;
  /** Stop for good (SIGTERM, wait for exit, remove its directory). */
  stop(): Promise<void>;
  /** Kill (SIGKILL by default) and wait for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port and directory (after kill or stop). */
  restart(): Promise<void>;
  pause(): void;
  resume(): void;
}

/**
 * A private redis-server on its own port (and data directory), for tests that stop, kill or
 * pause Redis without touching the shared one.
 */
export async function startRedisServer(opts: { appendonly?: boolean; appendfsync?: 'always' | 'everysec' | 'no'; maxmemory?: string; extraArgs?: string[] } = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'fable-redis-'));
  let proc: ChildProcess | undefined;
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--dir', dir,
    '--appendonly', opts.appendonly ? 'yes' : 'no',
    '--appendfsync', opts.appendfsync ?? 'everysec',
    '--maxmemory-policy', 'noeviction',
    ...(opts.maxmemory ? ['--maxmemory', opts.maxmemory] : []),
    ...(opts.extraArgs ?? []),
  ];
  const launch = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    probe.on('error', () => {}); // refused until the server is up: expected
    try {
      for (let i = 0; i < 200; i++) {
        try {
          if (probe.status !== 'ready') await probe.connect().catch(() => {});
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          /* not up yet */
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server on port ${port} did not start`);
    } finally {
      probe.disconnect();
    }
  };
  const waitExit = (p: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
    });
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const p = proc;
      p?.kill('SIGTERM');
      await waitExit(p);
      await rm(dir, { recursive: true, force: true });
    },
    async kill(signal = 'SIGKILL') {
      const p = proc;
      p?.kill(signal);
      await waitExit(p);
    },
    restart: launch,
    pause() {
      proc?.kill('SIGSTOP');
    },
    resume() {
      proc?.kill('SIGCONT');
    },
  };
}
