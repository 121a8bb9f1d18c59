// `node bench/security/index.ts [scenario...]`: every scenario in turn, the table printed and SECURITY.md written; `security()` is the bench suite.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { markdownTable, runAll, securityReport, type ScenarioResult } from '@fable-jobs/security-suite';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Every scenario (then SECURITY.md is written); the markdown table of their results. */
export async function security(only: readonly string[] = []): Promise<string> {
  const results = await runAll({ only, log });
  if (only.length === 0) log(`wrote ${writeSecurityMd(results, 'npm run bench -- security')}`);
  return markdownTable(results);
}

/** SECURITY.md from results (title, date, command, the table, how each check decides). */
export function writeSecurityMd(results: readonly ScenarioResult[], command: string): string {
  const text = securityReport(results, { date: new Date().toISOString().slice(0, 10), command, environment: `Node ${process.version}, ${cpus().length} cores` });
  const path = new URL('../../SECURITY.md', import.meta.url);
  writeFileSync(path, text);
  return path.pathname;
}

if (import.meta.main) {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const results = await runAll({ only, log });
  process.stdout.write(`${markdownTable(results)}\n`);
  if (only.length === 0) log(`wrote ${writeSecurityMd(results, 'node bench/security/index.ts')}`);
  process.exit(results.every((r) => !r.error && r.gotThrough === 0 && r.controlPassed) ? 0 : 1);
}
