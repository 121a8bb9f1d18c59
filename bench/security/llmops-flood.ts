// `node bench/security/llmops-flood.ts`: a request flood against llmops (429s, no model calls beyond the limit); prints the result as JSON.
import { llmopsFlood } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(llmopsFlood);
