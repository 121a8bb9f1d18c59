import { expect } from 'vitest';
import type { ScenarioResult } from '../src/index.ts';

/** A scenario held: it made attempts, none got through, and every legitimate control worked. */
export function expectHeld(r: ScenarioResult): void {
  expect(r.error).toBeUndefined();
  expect(r.attempts).toBeGreaterThan(0);
  expect(r.breaches).toEqual([]);
  expect(r.gotThrough).toBe(0);
  expect(r.controls.filter((c) => !c.startsWith('ok '))).toEqual([]);
  expect(r.controlPassed).toBe(true);
}
