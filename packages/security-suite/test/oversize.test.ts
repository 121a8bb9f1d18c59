import { describe, it } from 'vitest';
import { oversize } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('oversized input', () => {
  it('no body, header or message over its limit is processed; one just under is', async () => {
    expectHeld(await oversize());
  });
});
