export * from './lib/result.ts';
export { jwtForgeries } from './scenarios/jwt-forgeries.ts';
export { adminRoutes } from './scenarios/admin-routes.ts';
export { ssrf } from './scenarios/ssrf.ts';
export { templates } from './scenarios/templates.ts';
export { sqlInjection, SQL_INTERPOLATION } from './scenarios/sql-injection.ts';
export { oversize } from './scenarios/oversize.ts';
export { llmopsFlood } from './scenarios/llmops-flood.ts';
export { canarySecrets } from './scenarios/canary-secrets.ts';
