import { describe, expect, it } from 'vitest';
import type { ProcessorMap } from '@fable-jobs/contracts';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createLogger } from '@fable-jobs/runtime';
import { parsePools } from '../src/index.ts';

const ok = async () => ({});

// Compile-time guarantees (checked by `tsc -p .` on this file): a pool must provide exactly
// one processor per job of its pool. If either line stops being an error, typecheck fails.
// @ts-expect-error system.effect has no processor
export const missing: ProcessorMap<'system'> = { 'system.noop': ok };
// @ts-expect-error media.transcode-video belongs to the media pool, not the system pool
export const extra: ProcessorMap<'system'> = { 'system.noop': ok, 'system.effect': ok, 'media.transcode-video': ok };
export const exact: ProcessorMap<'system'> = { 'system.noop': ok, 'system.effect': ok };

describe('pool binding', () => {
  it('refuses, at run time too, a processor map that does not match the catalogue', () => {
    const runner = new PoolRunner({ connection: {} as never, queues: {} as QueueSet, log: createLogger({ level: 'silent' }) });
    expect(() => runner.add('system', missing as ProcessorMap<'system'>)).toThrow(/missing: system.effect/);
    expect(() => runner.add('system', extra as ProcessorMap<'system'>)).toThrow(/extra: media.transcode-video/);
    expect(() => runner.add('system', exact)).not.toThrow();
  });

  it('parses --pool values', () => {
    expect(parsePools(['media', 'llm'])).toEqual(['media', 'llm']);
    expect(parsePools(['all'])).toEqual(['system', 'media', 'analytics', 'integrations', 'llm']);
    expect(parsePools(['media,analytics'])).toEqual(['media', 'analytics']);
    expect(() => parsePools(['gpu'])).toThrow(/unknown pool "gpu"/);
  });
});
