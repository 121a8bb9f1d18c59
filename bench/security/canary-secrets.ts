// `node bench/security/canary-secrets.ts`: canary secrets planted in settings, headers and payloads, searched for everywhere data lands; prints the result as JSON.
import { canarySecrets } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(canarySecrets);
