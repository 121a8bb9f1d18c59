// `node bench/api/run.ts`: the API benchmark on its own (prints markdown; `npm run bench -- api`
// also writes bench/results/api.md).
import { cpus } from 'node:os';
import { api } from './index.ts';

const started = new Date().toISOString();
const text = await api();
process.stdout.write(`## api — ${started}, ${process.version}, ${cpus().length} cores\n\n${text}\n`);
process.exit(0);
