// `npm run bench -- <suite...>`: run benchmark suites and print their tables (markdown).
// Suites: spine (default), analytics, integrations, media, api, faults (writes RELIABILITY.md), security (writes SECURITY.md), scale. Each suite runs its baseline and ours side by side.
import { mkdirSync, writeFileSync } from 'node:fs';

const suites: Record<string, () => Promise<string>> = {
  spine: async () => (await import('./spine/index.ts')).spine(),
  analytics: async () => (await import('./analytics/index.ts')).analytics(),
  integrations: async () => (await import('./integrations/index.ts')).integrations(),
  media: async () => (await import('./media/index.ts')).media(),
  api: async () => (await import('./api/index.ts')).api(),
  faults: async () => (await import('./faults/index.ts')).faults(),
  security: async () => (await import('./security/index.ts')).security(),
  scale: async () => (await import('./scale/index.ts')).scale(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : ['spine'];
for (const n of names) if (!suites[n]) throw new Error(`unknown suite ${n} (suites: ${Object.keys(suites).join(', ')})`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
for (const name of names) {
  const started = new Date().toISOString();
  process.stderr.write(`running ${name}...\n`);
  const text = (await suites[name]?.()) ?? '';
  const report = `## ${name} — ${started}, ${process.version}, ${(await import('node:os')).cpus().length} cores\n\n${text}\n`;
  process.stdout.write(report);
  writeFileSync(new URL(`./results/${name}.md`, import.meta.url), report);
}
process.exit(0);
