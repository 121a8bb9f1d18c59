// Standalone: node bench/integrations/run.ts [--deliveries N] [--concurrency C] [--receiver-delay-ms D] [--tenants T] [--rounds R]
// Prints the table (also written to bench/results/integrations.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { integrations } from './index.ts';

const { values } = parseArgs({ options: { deliveries: { type: 'string' }, concurrency: { type: 'string' }, 'receiver-delay-ms': { type: 'string' }, tenants: { type: 'string' }, rounds: { type: 'string' } } });
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const started = new Date().toISOString();
const text = await integrations({
  deliveries: num(values.deliveries),
  concurrency: num(values.concurrency),
  receiverDelayMs: num(values['receiver-delay-ms']),
  tenants: num(values.tenants),
  rounds: num(values.rounds),
});
const report = `## integrations — ${started}, ${process.version}, ${cpus().length} cores\n\nTenant webhook deliveries/s to a local receiver (in its own process, with the main API fake): the integrations pool (job, main API lookups, template, SSRF guard, HMAC signature, WEBHOOK_EXEC log and deliveries row per attempt) vs a bare undici POST loop at the same concurrency.\n\n${text}\n`;
process.stdout.write(report);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/integrations.md', import.meta.url), report);
process.exit(0);
