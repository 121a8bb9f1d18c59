import { parseEnv } from './define.ts';
import { CONFIG_SPEC, type Config } from './schema.ts';

export { ConfigError, listSettings, parseEnv, SettingError, type Setting } from './define.ts';
export { CONFIG_SPEC, type Config } from './schema.ts';
export type { DashboardUser } from './sections/api.ts';
export type { JobOverride } from './sections/worker.ts';
export type { AnthropicAccount } from './sections/llm.ts';

export interface LoadedConfig {
  config: Config;
  secrets: string[];
}

/** Parse a configuration from an environment record (pure: tests pass their own). */
export function loadConfig(env: Record<string, string | undefined>): LoadedConfig {
  return parseEnv(CONFIG_SPEC, env);
}
export { renderConfigTable, renderEnvExample, withConfigTable } from './example.ts';
