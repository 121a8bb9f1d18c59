import { Counter, type Registry } from 'prom-client';

const NAME = 'fable_media_transcoded_seconds_total';

/** Seconds of media transcoded, by engine (one counter per registry, however often the pool is built). */
export function transcodedSecondsCounter(registry: Registry): Counter<'engine'> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Counter<'engine'>;
  return new Counter({ name: NAME, help: 'Seconds of media transcoded by the media pool, by engine.', labelNames: ['engine'] as const, registers: [registry] });
}
