import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { llmJsonSchemaFiles } from './json-schemas.ts';

/** Where `npm run gen` writes the JSON Schema files the frontend consumes. */
export const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url);

/** Write every schema file and remove ones no longer generated (gen only; not exported by the package). */
export function writeLlmSchemas(dir: URL = SCHEMAS_DIR): string[] {
  const files = llmJsonSchemaFiles();
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.json') && !(name in files)) rmSync(new URL(name, dir));
  for (const [name, text] of Object.entries(files)) writeFileSync(new URL(name, dir), text);
  return Object.keys(files);
}
