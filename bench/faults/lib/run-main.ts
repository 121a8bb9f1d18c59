import { fileURLToPath } from 'node:url';

/** Run a scenario module directly: `node bench/faults/NN-name.ts`. */
export async function runIfMain(url: string, fn: () => Promise<unknown>): Promise<void> {
  if (process.argv[1] !== fileURLToPath(url)) return;
  process.stdout.write(`${JSON.stringify(await fn(), null, 2)}\n`);
  process.exit(0);
}
