// `node bench/api/run.ts`: the API benchmark on its own (prints markdown, writes bench/api/results.md).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { api } from './index.ts';

const started = new Date().toISOString();
const text = await api();
const report = `## api — ${started}, ${process.version}, ${cpus().length} cores\n\n${text}\n`;
process.stdout.write(report);
writeFileSync(new URL('./results.md', import.meta.url), report);
process.exit(0);
