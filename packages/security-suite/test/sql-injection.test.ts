import { describe, it } from 'vitest';
import { sqlInjection } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('SQL injection', () => {
  it('no message field, slash-command argument or llmops field reaches SQL as code; the SQL paths work', async () => {
    expectHeld(await sqlInjection());
  });
});
