import { defineMessage } from '../message-definition.ts';
import { systemJobs } from '../jobs/system.ts';

const [noop, effect] = systemJobs;

/** String attributes → typed fields (attributes are strings; the schema has numbers and booleans). */
function typed(attrs: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...attrs };
  for (const k of ['sleepMs', 'blockMs', 'failTimes']) if (attrs[k] !== undefined) out[k] = Number(attrs[k]);
  if (attrs['blockOnce'] !== undefined) out['blockOnce'] = attrs['blockOnce'] === 'true';
  return out;
}

/** Fleet self-test traffic (smoke tests, benchmarks, fault drills): no business effect. */
export const systemNoop = defineMessage({
  type: 'SYSTEM_NOOP',
  description: 'Runs system.noop (optionally waiting sleepMs): a smoke test of the whole path.',
  schema: noop.schema,
  fromAttributes: typed,
  routes: (to) => ({ all: [to('system.noop', (p) => p)] }),
});

export const systemEffect = defineMessage({
  type: 'SYSTEM_EFFECT',
  description: 'Runs system.effect: counts one effect per run under effectKey (duplicate/loss drills).',
  schema: effect.schema,
  fromAttributes: typed,
  routes: (to) => ({ all: [to('system.effect', (p) => p)] }),
});
