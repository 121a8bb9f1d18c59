// `npm run gen`: write files generated from the code (tests fail when they drift).
import { readFileSync, writeFileSync } from 'node:fs';
import { writeLlmSchemas } from '../packages/contracts/src/llm/write-schemas.ts';
import { renderEnvExample, withConfigTable } from '../packages/runtime/src/env/example.ts';

const root = new URL('..', import.meta.url);
writeFileSync(new URL('.env.example', root), renderEnvExample());
process.stdout.write('wrote .env.example\n');
const readme = new URL('README.md', root);
writeFileSync(readme, withConfigTable(readFileSync(readme, 'utf8')));
process.stdout.write('wrote the configuration table in README.md\n');
process.stdout.write(`wrote packages/contracts/schemas/ (${writeLlmSchemas().length} files)\n`);
