import { v } from '../define.ts';

export const bridge = {
  pollers: v.int(['BRIDGE_POLLERS'], { default: 2, min: 1, max: 64, doc: 'Parallel SQS long-pollers per bridge process.' }),
  batchSize: v.int(['BRIDGE_BATCH_SIZE'], { default: 10, min: 1, max: 10, doc: 'Messages per ReceiveMessage (SQS max 10).' }),
  waitTimeSeconds: v.int(['BRIDGE_WAIT_SECONDS'], { default: 20, min: 0, max: 20, doc: 'Long-poll wait.' }),
  visibilityTimeoutSeconds: v.int(['BRIDGE_VISIBILITY_TIMEOUT_SECONDS'], { default: 60, min: 5, max: 43_200, doc: 'Visibility timeout of a received batch; the heartbeat extends it while enqueuing.' }),
  heartbeatSeconds: v.int(['BRIDGE_HEARTBEAT_SECONDS'], { default: 20, min: 1, max: 43_200, doc: 'How often an in-progress batch extends its visibility (must be < the timeout).' }),
  maxMessageBytes: v.int(['BRIDGE_MAX_MESSAGE_BYTES'], { default: 262_144, min: 1024, max: 1_048_576, doc: 'Larger messages (body + attributes) are dead-lettered as BRIDGE_OVERSIZE.' }),
  durability: v.enum(['BRIDGE_DURABILITY'], ['auto', 'aof', 'replicas', 'none'], {
    default: 'auto',
    doc: 'Before deleting from SQS: aof = WAITAOF local fsync; replicas = WAIT for BRIDGE_DURABILITY_REPLICAS; auto = aof when Redis has appendonly on, else none (with a warning).',
  }),
  durabilityReplicas: v.int(['BRIDGE_DURABILITY_REPLICAS'], { default: 1, min: 0, max: 16, doc: 'Replicas that must acknowledge (replicas mode; also used by WAITAOF).' }),
  durabilityTimeoutMs: v.int(['BRIDGE_DURABILITY_TIMEOUT_MS'], { default: 2000, min: 10, doc: 'How long to wait for WAITAOF/WAIT before treating the batch as not durable (not deleted).' }),
  enqueueTimeoutMs: v.int(['BRIDGE_ENQUEUE_TIMEOUT_MS'], { default: 5000, min: 100, doc: 'A batch whose jobs Redis has not accepted by then is left in SQS (Redis down or stalled).' }),
  maxWaiting: v.int(['BRIDGE_MAX_WAITING'], { default: 50_000, min: 1, doc: 'Backpressure: stop polling while any target queue has more waiting jobs than this.' }),
  ledgerRetentionDays: v.int(['BRIDGE_LEDGER_RETENTION_DAYS'], { default: 21, min: 1, max: 3650, doc: 'Ledger entries older than this are pruned (keep it above the SQS retention period, max 14 days).' }),
};
