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
      },
      { additionalProperties: false },
    ),
  }),
  defineJob({
    name: 'system.effect',
    pool: 'system',
    description:
      'Records one effect per run in MySQL `system_effects` (count per key), after an optional wait: ' +
      'lets tests and fault scenarios count duplicate and lost effects at the receiving side.',
    schema: Type.Object(
      {
        effectKey: Type.String({ minLength: 1, maxLength: 191 }),
        sleepMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
        key: Type.Optional(Type.String({ minLength: 1, maxLength: 191 })),
      },
      { additionalProperties: false },
    ),
    attempts: 5,
    concurrency: 20,
    lockDurationMs: 5_000,
    legacyKeyField: 'key',
  }),
] as const;
