// `npm run bench -- faults`: every fault drill, one at a time, then RELIABILITY.md.
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { renderReliability, runAllDrills } from '@fable-jobs/drills';

export async function faults(): Promise<string> {
  const started = new Date().toISOString();
  const probe = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const redis = /redis_version:([^\r\n]+)/.exec(await probe.info('server').catch(() => ''))?.[1] ?? '?';
  probe.disconnect();
  const rows = await runAllDrills((l) => process.stderr.write(`${l}\n`));
  const text = renderReliability(rows, { started, node: process.version, redis });
  writeFileSync(new URL('../../RELIABILITY.md', import.meta.url), text);
  return text;
}
