import type { Migration } from '../source.ts';
import { llmRuns } from './llm/runs.ts';

/**
 * Migrations of the llm domain, in order. Name each '003-llm-<what>' (names are recorded
 * once applied: append new ones, never rename or edit a shipped one).
 */
export const llmMigrations: Migration[] = [llmRuns];
