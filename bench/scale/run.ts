// Standalone: `node bench/scale/run.ts` runs both scaling benchmarks and prints the tables
// (`npm run bench -- scale` does the same and keeps them in bench/results/scale.md).
import { cpus } from 'node:os';
import { scale } from './index.ts';

const started = new Date().toISOString();
const text = await scale();
process.stdout.write(`## scale — ${started}, ${process.version}, ${cpus().length} cores\n\nCommand: \`node bench/scale/run.ts\`\n\n${text}\n`);
process.exit(0);
