import { describe, it } from 'vitest';
import { canarySecrets } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('canary secrets', () => {
  it('no planted secret reaches logs, Redis, MySQL records, the dashboard, the DLQ or metrics; each secret is used', async () => {
    expectHeld(await canarySecrets());
  });
});
