// `node bench/security/admin-routes.ts`: every admin and dashboard route without admin credentials; prints the result as JSON.
import { adminRoutes } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(adminRoutes);
