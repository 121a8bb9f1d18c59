import { defineMessage } from '../message-definition.ts';
import { systemJobs } from '../jobs/system.ts';

const [noop, effect] = systemJobs;

/** Fleet self-test traffic (smoke tests, benchmarks, fault drills): no business effect. */
export const systemNoop = defineMessage({
  type: 'SYSTEM_NOOP',
  description: 'Runs system.noop (optionally waiting sleepMs): a smoke test of the whole path.',
  schema: noop.schema,
  fromAttributes: (attrs) => (attrs['sleepMs'] ? { ...attrs, sleepMs: Number(attrs['sleepMs']) } : attrs),
  routes: (to) => ({ all: [to('system.noop', (p) => p)] }),
});

export const systemEffect = defineMessage({
  type: 'SYSTEM_EFFECT',
  description: 'Runs system.effect: counts one effect per run under effectKey (duplicate/loss drills).',
  schema: effect.schema,
  fromAttributes: (attrs) => (attrs['sleepMs'] ? { ...attrs, sleepMs: Number(attrs['sleepMs']) } : attrs),
  routes: (to) => ({ all: [to('system.effect', (p) => p)] }),
});
