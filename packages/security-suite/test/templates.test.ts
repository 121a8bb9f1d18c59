import { describe, it } from 'vitest';
import { templates } from '../src/index.ts';
import { expectHeld } from './held.ts';

describe('Handlebars templates', () => {
  it('no pollution, helper, code or injection payload has an effect; a legitimate template renders', async () => {
    expectHeld(await templates());
  });
});
