import { SettingError, v } from '../define.ts';

export interface DashboardUser {
  name: string;
  role: 'admin' | 'viewer';
  /** `scrypt$<salt-b64>$<hash-b64>` or a plain password (refused in prod). */
  password: string;
}

function parseUsers(raw: string): DashboardUser[] {
  return raw
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, role, ...rest] = entry.split(':');
      const password = rest.join(':');
      if (!name || !/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new SettingError('each entry must be name:role:password (name: letters, digits, _ . @ -)');
      if (role !== 'admin' && role !== 'viewer') throw new SettingError(`user ${name}: role must be admin or viewer`);
      if (password.length < 8) throw new SettingError(`user ${name}: password must be at least 8 characters (or a scrypt$ hash)`);
      return { name, role, password };
    });
}

export const api = {
  port: v.int(['PORT', 'API_PORT'], { default: 8081, min: 0, max: 65535, doc: 'HTTP port of the API.' }),
  host: v.string(['HOST', 'API_HOST'], { default: '0.0.0.0', doc: 'Interface the API listens on.' }),
  dashboardUsers: v.custom(
    ['DASHBOARD_USERS', 'ADMIN_USERS'],
    { default: [], describe: () => '', secret: true, secretValues: (users) => users.map((u) => u.password), example: 'ops:admin:scrypt$...;support:viewer:scrypt$...', doc: 'Bull Board / admin API users, `name:role:password` separated by `;` (role admin or viewer; password a scrypt$ hash from `fable-jobs hash-password`).' },
    parseUsers,
  ),
  bodyLimitBytes: v.int(['API_BODY_LIMIT_BYTES'], { default: 5 * 1024 * 1024, min: 1024, doc: 'Largest accepted request body (413 beyond).' }),
  corsOrigins: v.list(['CORS_ORIGINS'], { default: [], doc: 'Origins allowed by CORS (comma list; empty = no CORS).' }),
  trustProxy: v.bool(['TRUST_PROXY'], { default: false, doc: 'Trust X-Forwarded-* headers (behind a load balancer).' }),
  userRateLimitMax: v.int(['API_USER_RATE_LIMIT_MAX'], { default: 30, min: 1, doc: 'Requests per user (JWT sub) per window on /v1/f/llmops and /v1/f/aud/gen (Redis store; 429 beyond).' }),
  userRateLimitWindowMs: v.int(['API_USER_RATE_LIMIT_WINDOW_MS'], { default: 60_000, min: 1000, doc: 'Window of API_USER_RATE_LIMIT_MAX.' }),
  docsEnabled: v.bool(['API_DOCS_ENABLED'], { default: true, doc: 'Serve the OpenAPI document and UI at /docs.' }),
};
