export * from './lib/result.ts';
export { jwtForgeries } from './scenarios/jwt-forgeries.ts';
export { adminRoutes } from './scenarios/admin-routes.ts';
