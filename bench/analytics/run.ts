// Standalone: node bench/analytics/run.ts [--iterations N] [--kinds KIND,KIND] [--database NAME]
// Prints each pair (psql vs job) as it goes, then the table (also written to bench/results/analytics.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ANALYTICS_KINDS, type AnalyticsKind } from '@fable-jobs/contracts';
import { analytics } from './index.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string' }, kinds: { type: 'string' }, database: { type: 'string' } } });
const kinds = values.kinds?.split(',').map((k) => k.trim()) as AnalyticsKind[] | undefined;
for (const k of kinds ?? []) if (!Object.hasOwn(ANALYTICS_KINDS, k)) throw new Error(`unknown kind ${k} (kinds: ${Object.keys(ANALYTICS_KINDS).join(', ')})`);

const started = new Date().toISOString();
const text = await analytics({
  iterations: values.iterations ? Number(values.iterations) : undefined,
  database: values.database,
  kinds,
});
const report = `## analytics — ${started}, ${process.version}, ${cpus().length} cores\n\n${text}\n`;
process.stdout.write(report);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/analytics.md', import.meta.url), report);
process.exit(0);
