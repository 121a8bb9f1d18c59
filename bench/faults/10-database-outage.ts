// 10. MySQL and PostgreSQL outage mid-job: the fleet reaches both through TCP proxies that are
// Runs by itself: `node bench/faults/10-database-outage.ts` (FAULT_COUNT overrides the message count).
import { databaseOutage } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => databaseOutage());
