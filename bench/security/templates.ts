// `node bench/security/templates.ts`: Handlebars prototype-pollution and helper payloads in tenant webhook templates; prints the result as JSON.
import { templates } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(templates);
