import type { Redis } from 'ioredis';
import { JobKeysRepo, mysqlKnex, postgresKnex, type Knex } from '@fable-jobs/db';
import { JobIndexWriter, QueueSet, registerQueueGauges } from '@fable-jobs/queue';
import {
  ConfigError,
  Health,
  Lifecycle,
  Metrics,
  Scrubber,
  checkRedis,
  createLogger,
  createRedis,
  loadConfig,
  redisClusterProblems,
  startTracing,
  type Config,
  type Logger,
  type RedisFacts,
  type Tracing,
} from '@fable-jobs/runtime';

/**
 * Everything a process shares, built once from the parsed config: logger, metrics, health,
 * lifecycle, tracing, and lazily the connections (each registered for closing at shutdown).
 */
export class Context {
  readonly config: Config;
  readonly secrets: string[];
  /** Settings the environment set explicitly (the rest are defaults). */
  readonly given: ReadonlySet<string>;
  readonly scrubber: Scrubber;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly health = new Health();
  readonly lifecycle: Lifecycle;
  /** OpenTelemetry, on when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  readonly tracing: Tracing;
  #mysql?: Knex;
  #postgres?: Knex;
  #producer?: Redis;
  #worker?: Redis;
  #queues?: QueueSet;
  #redisFacts?: Promise<RedisFacts>;

  constructor(processName: string, config: Config, secrets: string[], given: ReadonlySet<string> = new Set()) {
    // Refused here, before any connection, so the CLI prints it like any other configuration problem.
    const clusterProblems = redisClusterProblems(config.redis);
    if (clusterProblems.length > 0) throw new ConfigError(clusterProblems);
    this.config = config;
    this.secrets = secrets;
    this.given = given;
    this.scrubber = new Scrubber(secrets);
    this.log = createLogger({ level: config.app.logLevel, pretty: config.app.logPretty, scrubber: this.scrubber, name: processName, base: { env: config.app.env } });
    this.metrics = new Metrics({ labels: { process: processName } });
    this.lifecycle = new Lifecycle(this.log, { timeoutMs: config.app.shutdownTimeoutMs });
    this.tracing = startTracing(config.telemetry, { processName, environment: config.app.env, log: this.log.child({ component: 'tracing' }) });
    // Registered first, so it closes last: spans of the drained work are flushed after everything else.
    this.lifecycle.on('close', 'tracing: flush spans', () => this.tracing.shutdown());
  }

  static fromEnv(processName: string, env: Record<string, string | undefined>): Context {
    const { config, secrets, given } = loadConfig(env);
    return new Context(processName, config, secrets, given);
  }

  get mysql(): Knex {
    if (!this.#mysql) {
      const k = mysqlKnex(this.config.mysql);
      this.#mysql = k;
      this.lifecycle.on('close', 'mysql', () => k.destroy());
      this.health.add('mysql', async () => (await k.raw('SELECT 1'), { ok: true }));
    }
    return this.#mysql;
  }

  get postgres(): Knex {
    if (!this.#postgres) {
      const k = postgresKnex(this.config.postgres);
      this.#postgres = k;
      this.lifecycle.on('close', 'postgres', () => k.destroy());
      this.health.add('postgres', async () => (await k.raw('SELECT 1'), { ok: true }));
    }
    return this.#postgres;
  }

  /** Fail-fast connection for producers (bridge, API). */
  get producerRedis(): Redis {
    if (!this.#producer) {
      const r = createRedis(this.config.redis, 'producer');
      r.on('error', (err) => this.log.debug({ err: err.message }, 'redis (producer) connection error'));
      this.#producer = r;
      this.lifecycle.on('close', 'redis (producer)', async () => void (await r.quit().catch(() => r.disconnect())));
      this.health.add('redis', async () => ({ ok: (await r.ping()) === 'PONG' }));
    }
    return this.#producer;
  }

  /** Connection for BullMQ workers (never drops a command). */
  get workerRedis(): Redis {
    if (!this.#worker) {
      const r = createRedis(this.config.redis, 'worker');
      r.on('error', (err) => this.log.debug({ err: err.message }, 'redis (worker) connection error'));
      this.#worker = r;
      this.lifecycle.on('close', 'redis (worker)', async () => void (await r.quit().catch(() => r.disconnect())));
    }
    return this.#worker;
  }

  get queues(): QueueSet {
    if (!this.#queues) {
      const q = new QueueSet({
        connection: this.producerRedis,
        prefix: this.config.redis.prefix,
        overrides: this.config.worker.jobOverrides,
        index: new JobIndexWriter(new JobKeysRepo(this.mysql), this.log),
        tracing: this.tracing.enabled,
      });
      this.#queues = q;
      this.lifecycle.on('close', 'queues', () => q.close());
      registerQueueGauges(this.metrics, q);
    }
    return this.#queues;
  }

  /** Start-up checks of Redis (noeviction), once per process. */
  redisFacts(): Promise<RedisFacts> {
    this.#redisFacts ??= checkRedis(this.producerRedis, this.log);
    return this.#redisFacts;
  }
}
