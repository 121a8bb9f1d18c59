import { describe, it } from 'vitest';
import { adminRoutes } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('dashboard and admin API routes', () => {
  it('no route answers or changes state without admin rights; admins and viewers get what they should', async () => {
    expectHeld(await adminRoutes());
  });
});
