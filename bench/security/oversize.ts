// `node bench/security/oversize.ts`: oversized bodies, headers, SQS messages and tenant responses; prints the result as JSON.
import { oversize } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(oversize);
