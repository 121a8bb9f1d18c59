import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './harness.ts';
import { freePort } from './redis-server.ts';

export interface RedisClusterHandle {
  /** Master nodes, each owning a third of the slots. */
  nodes: Array<{ host: string; port: number }>;
  /** The value of REDIS_CLUSTER_NODES for this cluster. */
  nodesSetting: string;
  /** Stop every node (SIGTERM, wait for exit) and remove their directories. */
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += String(b)));
    p.stderr.on('data', (b: Buffer) => (out += String(b)));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/**
 * A private Redis Cluster of `masters` nodes (no replicas) on free ports, each with its own data
 * directory and an explicit cluster-bus port (port + 10000 may be taken or out of range).
 */
export async function startRedisCluster(opts: { masters?: number } = {}): Promise<RedisClusterHandle> {
  const count = opts.masters ?? 3;
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  const nodes: Array<{ host: string; port: number }> = [];
  const stop = async () => {
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGTERM');
          }),
      ),
    );
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const bus = await freePort();
      const dir = await mkdtemp(join(tmpdir(), 'fable-redis-cluster-'));
      dirs.push(dir);
      const args = ['--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'];
      procs.push(spawn('redis-server', args, { stdio: 'ignore' }));
      nodes.push({ host: '127.0.0.1', port });
    }
    const probes = nodes.map((n) => new Redis({ host: n.host, port: n.port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null }));
    for (const p of probes) p.on('error', () => {}); // refused until the server is up: expected
    try {
      const up = async (p: Redis) => {
        if (p.status === 'wait') await p.connect();
        return (await p.ping()) === 'PONG';
      };
      await until(async () => (await Promise.all(probes.map((p) => up(p).catch(() => false)))).every(Boolean), { timeoutMs: 10_000, what: 'redis cluster nodes up' });
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      // Every node must agree the cluster is whole before clients load the slot map.
      await until(async () => (await Promise.all(probes.map((p) => p.cluster('INFO')))).every((info) => /cluster_state:ok/.test(String(info)) && /cluster_slots_assigned:16384/.test(String(info))), {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: 'cluster_state:ok on every node',
      });
    } finally {
      for (const p of probes) p.disconnect();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, nodesSetting: nodes.map((n) => `${n.host}:${n.port}`).join(','), stop };
}
