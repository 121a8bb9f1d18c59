import { describe, it } from 'vitest';
import { llmopsFlood } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('llmops flood', () => {
  it('no request or model call beyond the per-user limit or the pool budget; the allowance works', async () => {
    expectHeld(await llmopsFlood());
  });
});
