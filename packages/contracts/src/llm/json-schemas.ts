import type { TSchema } from 'typebox';
import { ApiFailure, AudGenRequest, AudGenResponse, LlmJobStatus, LlmOpsRequest, LlmOpsResponse } from './api.ts';
import { LLM_TOOLS } from './tools.ts';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

function document(id: string, title: string, schema: TSchema): string {
  // Plain JSON Schema: TypeBox schemas are JSON already; stringify drops its symbols.
  return `${JSON.stringify({ $schema: DRAFT, $id: id, title, ...JSON.parse(JSON.stringify(schema)) }, null, 2)}\n`;
}

/**
 * The JSON Schema files the frontend consumes, by file name (written to
 * `packages/contracts/schemas/` by `npm run gen`; a test fails when they drift).
 */
export function llmJsonSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const tool of Object.values(LLM_TOOLS)) {
    files[`tool.${tool.name}.json`] = document(`fable-jobs/tool.${tool.name}.json`, `Input of the ${tool.name} tool: ${tool.description}`, tool.schema);
  }
  const api: Array<[string, string, TSchema]> = [
    ['llmops-request', 'POST /v1/f/llmops request body', LlmOpsRequest],
    ['llmops-response', 'POST /v1/f/llmops response (200)', LlmOpsResponse],
    ['llmops-job-status', 'GET /v1/f/llmops/jobs/:id response', LlmJobStatus],
    ['aud-gen-request', 'POST /v1/f/aud/gen request body', AudGenRequest],
    ['aud-gen-response', 'POST /v1/f/aud/gen response (200)', AudGenResponse],
    ['api-failure', 'Error envelope of every route', ApiFailure],
  ];
  for (const [name, title, schema] of api) files[`${name}.json`] = document(`fable-jobs/${name}.json`, title, schema);
  return files;
}
