// `npm run gen`: write files generated from the code (checked by tests for drift).
import { writeFileSync } from 'node:fs';
import { renderEnvExample } from '../packages/runtime/src/env/example.ts';
import { writeLlmSchemas } from '../packages/contracts/src/llm/write-schemas.ts';

const root = new URL('..', import.meta.url);
writeFileSync(new URL('.env.example', root), renderEnvExample());
process.stdout.write('wrote .env.example\n');
process.stdout.write(`wrote packages/contracts/schemas/ (${writeLlmSchemas().length} files)\n`);
