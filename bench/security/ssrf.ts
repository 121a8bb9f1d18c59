// `node bench/security/ssrf.ts`: tenant webhook SSRF targets through the real bridge and integrations pool; prints the result as JSON.
import { ssrf } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(ssrf);
