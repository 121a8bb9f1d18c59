// `node bench/security/jwt-forgeries.ts`: forged JWTs against /v1/f/*; prints the result as JSON.
import { jwtForgeries } from '@fable-jobs/security-suite';
import { printAndExit } from './print.ts';

if (import.meta.main) await printAndExit(jwtForgeries);
