export * from './app.ts';
export * from './passwords.ts';
export { DASHBOARD_PATH } from './plugins/dashboard.ts';
