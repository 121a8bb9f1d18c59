import { listSettings } from './define.ts';
import { CONFIG_SPEC } from './schema.ts';

/** `.env.example`: every setting with its doc, aliases and default, grouped by section. */
export function renderEnvExample(): string {
  const lines = [
    '# Fable Jobs configuration. Generated from packages/runtime/src/env (npm run gen); do not edit by hand.',
    '# Every value shown is the default; unset variables take it. Aliases (old names) are accepted too.',
    '',
  ];
  let section = '';
  for (const { path, setting } of listSettings(CONFIG_SPEC)) {
    const [group] = path;
    if (group !== section) {
      section = group ?? '';
      lines.push(`# --- ${section} ${'-'.repeat(Math.max(3, 60 - section.length))}`);
    }
    const [name, ...aliases] = setting.names;
    lines.push(`# ${setting.doc}${aliases.length ? ` (also: ${aliases.join(', ')})` : ''}${setting.secret ? ' [secret]' : ''}`);
    const value = setting.example ?? setting.defaultText ?? '';
    lines.push(`${setting.example || setting.defaultText === undefined ? '# ' : ''}${name}=${value}`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
