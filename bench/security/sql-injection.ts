// `node bench/security/sql-injection.ts`: SQL injection through every message field and slash-command argument; prints the result as JSON.
import { sqlInjection } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(sqlInjection);
