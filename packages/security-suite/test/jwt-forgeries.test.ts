import { describe, it } from 'vitest';
import { jwtForgeries } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('JWT forgeries on /v1/f/*', () => {
  it('no forged, expired or misdirected token is accepted; a valid one is', async () => {
    expectHeld(await jwtForgeries());
  });
});
