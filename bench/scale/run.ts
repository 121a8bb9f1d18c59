// Standalone: `node bench/scale/run.ts` runs both scaling benchmarks and prints the tables (also written to bench/scale/results.md).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { scale } from './index.ts';

const started = new Date().toISOString();
const text = await scale();
const report = `## scale — ${started}, ${process.version}, ${cpus().length} cores\n\nCommand: \`node bench/scale/run.ts\`\n\n${text}\n`;
process.stdout.write(report);
writeFileSync(new URL('./results.md', import.meta.url), report);
process.exit(0);
