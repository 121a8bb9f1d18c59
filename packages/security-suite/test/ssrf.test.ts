import { describe, it } from 'vitest';
import { ssrf } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('tenant webhook SSRF', () => {
  it('no inside address is contacted, directly, by name or by redirect; the allowed endpoint is', async () => {
    expectHeld(await ssrf());
  });
});
