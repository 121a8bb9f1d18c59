import { ConfigError, parseEnv } from './define.ts';
import { CONFIG_SPEC, type Config } from './schema.ts';

export { ConfigError, listSettings, parseEnv, SettingError, type Setting } from './define.ts';
export { CONFIG_SPEC, type Config } from './schema.ts';
export type { DashboardUser } from './sections/api.ts';
export type { JobOverride } from './sections/worker.ts';
export type { AnthropicAccount } from './sections/llm.ts';

export interface LoadedConfig {
  config: Config;
  secrets: string[];
  /** Settings the environment set (first names), for the rare default that depends on context. */
  given: Set<string>;
}

/** Parse a configuration from an environment record (pure: tests pass their own). */
export function loadConfig(env: Record<string, string | undefined>): LoadedConfig {
  const loaded = parseEnv(CONFIG_SPEC, env);
  // Rules across settings.
  const problems: string[] = [];
  if (loaded.config.app.env === 'prod') {
    const plain = loaded.config.api.dashboardUsers.filter((u) => !u.password.startsWith('scrypt$')).map((u) => u.name);
    if (plain.length) problems.push(`DASHBOARD_USERS: plain passwords are refused in prod (users ${plain.join(', ')}); store scrypt$ hashes from \`fable-jobs hash-password\``);
  }
  if (problems.length) throw new ConfigError(problems);
  return loaded;
}
export { renderConfigTable, renderEnvExample, withConfigTable } from './example.ts';
