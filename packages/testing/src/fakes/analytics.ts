// Fakes and fixtures of the analytics domain (owned by its pool's tests).
export * from './analytics/seed.ts';
export * from './analytics/demo-dataset.ts';
export * from './analytics/tcp-proxy.ts';
