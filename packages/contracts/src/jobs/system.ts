import Type from 'typebox';
import { defineJob } from '../job-definition.ts';

/** Jobs of the fleet itself: used by tests, benchmarks and fault scenarios. */
export const systemJobs = [
  defineJob({
    name: 'system.noop',
    pool: 'system',
    description: 'Does nothing (optionally waits); measures the runtime itself.',
    schema: Type.Object(
      {
        sleepMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
        note: Type.Optional(Type.String({ maxLength: 1000 })),
        /** Fail the first `failTimes` attempts (default: every attempt) this way: exercises error mapping. */
        fail: Type.Optional(Type.Union([Type.Literal('permanent'), Type.Literal('retryable'), Type.Literal('rate-limited')])),
        failTimes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        /** A legacy `jobs.job_key` to keep updated. */
        key: Type.Optional(Type.String({ minLength: 1, maxLength: 191 })),
        /** Fair-share key (tests of the fairness mechanism). */
        tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    legacyKeyField: 'key',
    fairness: { keyField: 'tenant', maxActivePerKey: 2 },
  }),
  defineJob({
    name: 'system.effect',
    pool: 'system',
    description:
      'Records its effect in MySQL `system_effects` after an optional wait, once per job instance ' +
      '(ctx.idempotencyKey, as a receiver that drops repeated event ids) and every run as an execution: ' +
      'lets tests and fault scenarios count duplicate effects, re-executions and lost effects at the receiving side.',
    schema: Type.Object(
      {
        effectKey: Type.String({ minLength: 1, maxLength: 191 }),
        sleepMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
        /** Block the event loop this long (a CPU-bound processor gone wrong: fault drills). */
        blockMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
        /** Block only on the job's first start (a transient stall, not a processor that never fits its lock). */
        blockOnce: Type.Optional(Type.Boolean()),
        key: Type.Optional(Type.String({ minLength: 1, maxLength: 191 })),
      },
      { additionalProperties: false },
    ),
    attempts: 5,
    concurrency: 20,
    lockDurationMs: 15_000,
    legacyKeyField: 'key',
  }),
] as const;
