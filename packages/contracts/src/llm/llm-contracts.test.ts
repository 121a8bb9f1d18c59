import { readdirSync, readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { registry } from '../registry.ts';
import { AudGenRequest, LlmOpsRequest, RefForMmv } from './api.ts';
import { llmJsonSchemaFiles } from './json-schemas.ts';
import { isLlmOperation, LLM_OPERATIONS, toolFor } from './operations.ts';
import { LLM_TOOLS } from './tools.ts';
import { SCHEMAS_DIR } from './write-schemas.ts';

describe('JSON Schema files for the frontend', () => {
  it('are exactly what the TypeBox definitions generate (run `npm run gen` after changing them)', () => {
    const expected = llmJsonSchemaFiles();
    const written = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(written).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) expect(readFileSync(new URL(name, SCHEMAS_DIR), 'utf8'), name).toBe(text);
  });

  it('are plain JSON Schema objects with a closed top level (what Anthropic input_schema needs)', () => {
    for (const tool of Object.values(LLM_TOOLS)) {
      const doc = JSON.parse(JSON.stringify(tool.schema)) as { type?: string; additionalProperties?: unknown };
      expect(doc.type, tool.name).toBe('object');
      expect(doc.additionalProperties, tool.name).toBe(false);
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    }
  });
});

describe('tool input schemas', () => {
  const check = (name: keyof typeof LLM_TOOLS, value: unknown) => Compile(LLM_TOOLS[name].schema).Check(value);

  it('accept well-formed answers and reject malformed ones', () => {
    expect(check('suggest_guide_theme', { primaryColor: '#112233', fontColor: '#ffffff', backgroundColor: '#000000', borderColor: '#abcdef', borderRadius: 8 })).toBe(true);
    expect(check('suggest_guide_theme', { primaryColor: 'blue', fontColor: '#ffffff', backgroundColor: '#000000', borderColor: '#abcdef', borderRadius: 8 })).toBe(false);
    expect(check('create_guides_marketing', { items: [{ text: 'Track every deal', elementColor: '#ff0000', screenId: 3, skip: false }] })).toBe(true);
    expect(check('create_guides_marketing', { items: [] })).toBe(false);
    expect(check('create_guides_marketing', { items: [{ text: 'x', elementColor: '#ff0000', screenId: 3, skip: false, extra: 1 }] })).toBe(false);
    expect(check('create_guides_sbs', { items: [{ screenId: 'a1', guideType: 'cover', skip: false }] })).toBe(true);
    expect(check('create_guides_sbs', { items: [{ screenId: 'a1', guideType: 'tooltip', skip: false }] })).toBe(false);
    expect(check('root-router', { skill: 'update_theme', notSupportedMessage: '' })).toBe(true);
    expect(check('root-router', { skill: 'write_poem', notSupportedMessage: '' })).toBe(false);
    expect(check('update-demo-content', { items: [{ richText: '<p>Hi</p>', annotationId: 'a-1', nextButtonText: 'Next' }] })).toBe(true);
    expect(check('demo-metadata', { productEnablement: 'x' })).toBe(false);
  });
});

describe('operations', () => {
  it('force one tool per operation, chosen by usecase for create_demo_per_usecase', () => {
    expect(toolFor('create_demo_per_usecase', undefined)).toBe('create_guides_marketing');
    expect(toolFor('create_demo_per_usecase', 'marketing')).toBe('create_guides_marketing');
    expect(toolFor('create_demo_per_usecase', 'step-by-step-guide')).toBe('create_guides_sbs');
    expect(toolFor('create_demo_per_usecase', 'product')).toBe('create_guides_sbs');
    expect(toolFor('root_router_req', 'marketing')).toBe('root-router');
    for (const op of Object.keys(LLM_OPERATIONS)) expect(isLlmOperation(op)).toBe(true);
    expect(isLlmOperation('toString')).toBe(false);
    expect(isLlmOperation('write_poem')).toBe(false);
  });

  it('llm.run job data carries references only and only known operations', () => {
    expect(registry.validateJob('llm.run', { runId: '0b6e0c1e-7d1c-4c55-9d43-8f1f2b3c4d5e', type: 'demo_metadata' }).ok).toBe(true);
    expect(registry.validateJob('llm.run', { runId: '0b6e0c1e-7d1c-4c55-9d43-8f1f2b3c4d5e', type: 'nope' }).ok).toBe(false);
    // Anything beyond the references (inputs, keys, outputs) is refused at enqueue time.
    expect(registry.validateJob('llm.run', { runId: '0b6e0c1e-7d1c-4c55-9d43-8f1f2b3c4d5e', type: 'demo_metadata', apiKey: 'sk-ant-x' }).ok).toBe(false);
  });
});

describe('request schemas', () => {
  it('accept the shapes the frontend sends', () => {
    const req = {
      v: 1,
      type: 'create_demo_per_usecase',
      model: 'claude',
      thread: 't-1',
      entityId: 42,
      user_payload: { usecase: 'product', refsForMMV: [{ id: 1, url: '/org/1/screens/a.png', moreInfo: 'login' }], someNewField: { a: 1 } },
    };
    expect(Compile(LlmOpsRequest).Check(req)).toBe(true);
    expect(Compile(AudGenRequest).Check({ reason: 'vo', indexUri: 'root/demo/x/index.json', voice: 'nova', entityUri: '3/ref-1', entityType: 'q_ann', vars: { name: 'Ada' } })).toBe(true);
    expect(Compile(AudGenRequest).Check({ reason: 'vo', indexUri: 'i.json', voice: 'Nova!', entityUri: '3/ref-1', entityType: 'q_ann' })).toBe(false);
  });

  it('refuse image keys that climb out of their prefix', () => {
    const ref = Compile(RefForMmv);
    expect(ref.Check({ id: 1, url: '/org/1/screens/a.png' })).toBe(true);
    expect(ref.Check({ id: 1, url: 'org/1/a..b.png' })).toBe(true);
    expect(ref.Check({ id: 1, url: '/org/../other/a.png' })).toBe(false);
    expect(ref.Check({ id: 1, url: '../a.png' })).toBe(false);
    expect(ref.Check({ id: 1, url: 'https://evil.example/a.png' })).toBe(false);
  });
});
