import { SettingError, v } from '../define.ts';

/** `host:port` as the old service's DB_CONN_URL / ANALYTICS_DB_CONN_URL. */
export function hostPort(defaultPort: number) {
  return (raw: string) => {
    const m = /^\[?([^\]\s]+?)\]?(?::(\d{1,5}))?$/.exec(raw.trim());
    if (!m || !m[1]) throw new SettingError(`must be host or host:port (got ${JSON.stringify(raw)})`);
    const port = m[2] ? Number(m[2]) : defaultPort;
    if (port < 1 || port > 65535) throw new SettingError(`port must be 1..65535 (got ${port})`);
    return { host: m[1], port };
  };
}

export const app = {
  env: v.enum(['APP_ENV'], ['dev', 'test', 'staging', 'prod'], { default: 'dev', doc: 'Deployment environment; appears in notifications and metrics.' }),
  logLevel: v.enum(['LOG_LEVEL'], ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', doc: 'pino log level.' }),
  logPretty: v.bool(['LOG_PRETTY'], { default: false, doc: 'Human-readable logs instead of JSON lines (development).' }),
  shutdownTimeoutMs: v.int(['SHUTDOWN_TIMEOUT_MS'], {
    default: 30_000,
    min: 1000,
    doc: 'Graceful shutdown deadline: in-flight work that has not finished by then is aborted.',
  }),
  metricsPort: v.int(['METRICS_PORT'], {
    default: 0,
    min: 0,
    max: 65535,
    doc: 'Port of /metrics, /health and /ready on standalone bridge and worker processes (0 = off).',
  }),
  metricsToken: v.string(['METRICS_TOKEN'], {
    default: '',
    secret: true,
    doc: 'When set, /metrics (API and METRICS_PORT) answers only `Authorization: Bearer <token>` (Prometheus: `authorization.credentials`). Empty: /metrics is open; keep it off public networks.',
  }),
};

export const redis = {
  url: v.url(['REDIS_URL'], {
    default: 'redis://127.0.0.1:6379',
    protocols: ['redis', 'rediss'],
    secret: false,
    doc: 'Redis for BullMQ (rediss:// for TLS; credentials in the URL). Must run with maxmemory-policy noeviction.',
  }),
  prefix: v.string(['BULLMQ_PREFIX', 'QUEUE_PREFIX'], {
    default: 'fable',
    pattern: /^[A-Za-z0-9_{}.-]{1,64}$/,
    patternDoc: 'letters, digits, _ . - and {} (a {hash-tag} for Redis Cluster)',
    doc: 'Key prefix of every queue. Use a hash tag such as {fable} on Redis Cluster.',
  }),
  clusterNodes: v.custom(
    ['REDIS_CLUSTER_NODES'],
    {
      default: [] as Array<{ host: string; port: number }>,
      describe: (nodes) => nodes.map((n) => `${n.host}:${n.port}`).join(','),
      doc: 'Redis Cluster seed nodes `host:port,host:port` (empty = one Redis at REDIS_URL). REDIS_URL then gives only credentials and TLS (rediss://); BULLMQ_PREFIX must hold a {hash-tag}.',
    },
    (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean).map(hostPort(6379)),
  ),
};

export const mysql = {
  address: v.custom(['DB_CONN_URL', 'MYSQL_HOST_PORT'], { default: { host: '127.0.0.1', port: 3306 }, describe: (a) => `${a.host}:${a.port}`, doc: 'MySQL host:port (job status, ledger, the `jobs` table).' }, hostPort(3306)),
  user: v.string(['DB_USER', 'MYSQL_USER'], { default: 'root', doc: 'MySQL user.' }),
  password: v.string(['DB_PWD', 'MYSQL_PASSWORD'], { default: '', secret: true, doc: 'MySQL password.' }),
  database: v.string(['DB_DB', 'MYSQL_DATABASE'], { default: 'fable_jobs', pattern: /^[A-Za-z0-9_]{1,64}$/, patternDoc: 'a plain database name', doc: 'MySQL database.' }),
  poolMax: v.int(['MYSQL_POOL_MAX'], { default: 10, min: 1, max: 500, doc: 'MySQL connections per process.' }),
};

export const postgres = {
  address: v.custom(['ANALYTICS_DB_CONN_URL', 'PG_HOST_PORT'], { default: { host: '127.0.0.1', port: 5432 }, describe: (a) => `${a.host}:${a.port}`, doc: 'PostgreSQL host:port (analytics).' }, hostPort(5432)),
  user: v.string(['ANALYTICS_DB_USER', 'PG_USER'], { default: 'postgres', doc: 'PostgreSQL user.' }),
  password: v.string(['ANALYTICS_DB_PWD', 'PG_PASSWORD'], { default: '', secret: true, doc: 'PostgreSQL password.' }),
  database: v.string(['ANALYTICS_DB_NAME', 'PG_DATABASE'], { default: 'fable_analytics', pattern: /^[A-Za-z0-9_]{1,63}$/, patternDoc: 'a plain database name', doc: 'PostgreSQL database.' }),
  poolMax: v.int(['PG_POOL_MAX'], { default: 5, min: 1, max: 500, doc: 'PostgreSQL connections per process.' }),
};

export const aws = {
  accessKeyId: v.optionalString(['AWS_ACCESS_KEY_ID'], { doc: 'AWS access key (leave unset to use the default credential chain / instance role).' }),
  secretAccessKey: v.optionalString(['AWS_SECRET_ACCESS_KEY'], { secret: true, doc: 'AWS secret key.' }),
  endpoint: v.optionalUrl(['AWS_ENDPOINT_URL'], {
    protocols: ['http', 'https'],
    doc: 'One endpoint for SQS and S3 (an emulator). Unset: real AWS; `fable-jobs start` then embeds fauxqs.',
  }),
};

export const sqs = {
  queueName: v.string(['SQS_Q_NAME', 'SQS_QUEUE_NAME'], { default: 'fable-jobs', pattern: /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/, patternDoc: 'an SQS queue name', doc: 'The main SQS queue producers send to.' }),
  queueUrl: v.optionalUrl(['SQS_QUEUE_URL'], { protocols: ['http', 'https'], doc: 'Full queue URL; overrides SQS_Q_NAME lookup.' }),
  region: v.string(['SQS_Q_REGION', 'SQS_REGION'], { default: 'us-east-1', doc: 'Region of the SQS queues.' }),
  dlqName: v.optionalString(['SQS_DLQ_NAME'], { doc: 'Dead-letter queue name (default: the main queue redrive policy target, else <SQS_Q_NAME>-dlq).' }),
  endpoint: v.optionalUrl(['SQS_ENDPOINT'], { protocols: ['http', 'https'], doc: 'SQS endpoint override (defaults to AWS_ENDPOINT_URL).' }),
  emulatorPort: v.int(['FAUXQS_PORT', 'EMULATOR_PORT'], { default: 4566, min: 0, max: 65535, doc: 'Port of the SQS/S3 emulator `fable-jobs start` embeds when no AWS endpoint is set.' }),
  maxReceiveCount: v.int(['SQS_MAX_RECEIVE_COUNT'], { default: 5, min: 1, max: 1000, doc: 'Redrive policy maxReceiveCount used when the queues are created (dev, tests).' }),
};

export const s3 = {
  region: v.string(['AWS_S3_REGION', 'S3_REGION'], { default: 'us-east-1', doc: 'S3 region.' }),
  endpoint: v.optionalUrl(['S3_ENDPOINT'], { protocols: ['http', 'https'], doc: 'S3 endpoint override (defaults to AWS_ENDPOINT_URL).' }),
  forcePathStyle: v.bool(['S3_FORCE_PATH_STYLE'], { default: false, doc: 'Path-style S3 URLs (emulators). Forced on when an endpoint override is set.' }),
  assetBucket: v.string(['AWS_ASSET_FILE_S3_BUCKET', 'S3_ASSET_BUCKET'], { default: 'fable-assets', doc: 'Bucket of demo assets (published data, demo index, generated audio).' }),
  assetBucketRegion: v.optionalString(['AWS_ASSET_FILE_S3_BUCKET_REGION', 'S3_ASSET_BUCKET_REGION'], { doc: 'Region of the asset bucket (default AWS_S3_REGION).' }),
};
