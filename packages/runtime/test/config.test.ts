import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, renderEnvExample, withConfigTable } from '../src/index.ts';

describe('loadConfig', () => {
  it('has working defaults for local development', () => {
    const { config } = loadConfig({});
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.mysql.address).toEqual({ host: '127.0.0.1', port: 3306 });
    expect(config.api.port).toBe(8081);
    expect(config.sqs.queueName).toBe('fable-jobs');
  });

  it("accepts the old service's variable names, misspellings included", () => {
    const { config, secrets } = loadConfig({
      DB_CONN_URL: 'db.internal:3307',
      DB_USER: 'svc',
      DB_PWD: 'hunter22',
      DB_DB: 'fable',
      ANALYTICS_DB_CONN_URL: 'pg.internal',
      SQS_Q_NAME: 'jobs-prod',
      SQS_Q_REGION: 'eu-west-1',
      ANTHORIPC_KEY: 'main|sk-ant-one;backup|sk-ant-two',
      MAILCHIP_SERVER_PREFIX: 'us21',
      AUTH0_AUDIENCES: 'https://api.a, https://api.b',
    });
    expect(config.mysql).toMatchObject({ address: { host: 'db.internal', port: 3307 }, user: 'svc', password: 'hunter22', database: 'fable' });
    expect(config.postgres.address).toEqual({ host: 'pg.internal', port: 5432 });
    expect(config.sqs).toMatchObject({ queueName: 'jobs-prod', region: 'eu-west-1' });
    expect(config.llm.anthropicAccounts).toEqual([
      { account: 'main', key: 'sk-ant-one' },
      { account: 'backup', key: 'sk-ant-two' },
    ]);
    expect(config.integrations.mailchimpServerPrefix).toBe('us21');
    expect(config.llm.auth0Audiences).toEqual(['https://api.a', 'https://api.b']);
    // Secrets are collected for scrubbing, each key separately; account names are not secret.
    expect(secrets).toEqual(expect.arrayContaining(['hunter22', 'sk-ant-one', 'sk-ant-two']));
    expect(secrets).not.toContain('main');
    expect(secrets).not.toContain('backup');
  });

  it('takes the correctly spelt aliases too', () => {
    const { config } = loadConfig({ ANTHROPIC_KEYS: 'a|k1', MAILCHIMP_SERVER_PREFIX: 'us5', MYSQL_USER: 'u' });
    expect(config.llm.anthropicAccounts).toEqual([{ account: 'a', key: 'k1' }]);
    expect(config.integrations.mailchimpServerPrefix).toBe('us5');
    expect(config.mysql.user).toBe('u');
  });

  it('reports every problem at once, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: 'http://nope', PORT: 'eighty', DB_CONN_URL: 'host:99999', BRIDGE_POLLERS: '0', APP_ENV: 'qa', DB_PWD: 'x', MYSQL_PASSWORD: 'y' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/REDIS_URL: must use redis or rediss/);
    expect(problems.join('\n')).toMatch(/PORT: must be an integer \(got "eighty"\)/);
    expect(problems.join('\n')).toMatch(/DB_CONN_URL: port must be 1..65535/);
    expect(problems.join('\n')).toMatch(/BRIDGE_POLLERS: must be >= 1/);
    expect(problems.join('\n')).toMatch(/APP_ENV: must be one of dev \| test \| staging \| prod/);
    expect(problems.join('\n')).toMatch(/DB_PWD and MYSQL_PASSWORD are the same setting and disagree/);
    expect((error as Error).message).not.toMatch(/"x"|"y"/);
  });

  it('validates JOB_OVERRIDES', () => {
    expect(loadConfig({ JOB_OVERRIDES: '{"system.noop":{"concurrency":5,"limiter":null}}' }).config.worker.jobOverrides).toEqual({ 'system.noop': { concurrency: 5, limiter: null } });
    expect(() => loadConfig({ JOB_OVERRIDES: '{"system.noop":{"speed":5}}' })).toThrow(/system.noop.speed: unknown override/);
    expect(() => loadConfig({ JOB_OVERRIDES: '[' })).toThrow(/JOB_OVERRIDES: must be a JSON object/);
  });

  it('parses dashboard users and refuses weak entries', () => {
    expect(loadConfig({ DASHBOARD_USERS: 'ops:admin:correct-horse;help:viewer:scrypt$abc$def' }).config.api.dashboardUsers).toEqual([
      { name: 'ops', role: 'admin', password: 'correct-horse' },
      { name: 'help', role: 'viewer', password: 'scrypt$abc$def' },
    ]);
    expect(() => loadConfig({ DASHBOARD_USERS: 'ops:root:correct-horse' })).toThrow(/role must be admin or viewer/);
    expect(() => loadConfig({ DASHBOARD_USERS: 'ops:admin:short' })).toThrow(/at least 8 characters/);
    expect(() => loadConfig({ APP_ENV: 'prod', DASHBOARD_USERS: 'ops:admin:correct-horse' })).toThrow(/plain passwords are refused in prod \(users ops\)/);
    expect(loadConfig({ APP_ENV: 'prod', DASHBOARD_USERS: 'ops:admin:scrypt$c2FsdA==$aGFzaA==' }).config.api.dashboardUsers).toHaveLength(1);
  });
});

describe('.env.example', () => {
  it('matches the schema (run `npm run gen` after changing a setting)', () => {
    const written = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    expect(written).toBe(renderEnvExample());
  });
});

describe('README configuration table', () => {
  it('matches the schema (run `npm run gen` after changing a setting)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withConfigTable(readme));
  });
  it('reports which settings the environment set, by their first name, aliases included', () => {
    const { given } = loadConfig({ BRIDGE_WAIT_SECONDS: '5', QUEUE_PREFIX: 'p1', SHUTDOWN_TIMEOUT_MS: '' });
    expect(given.has('BRIDGE_WAIT_SECONDS')).toBe(true);
    expect(given.has('BULLMQ_PREFIX')).toBe(true);
    expect(given.has('SHUTDOWN_TIMEOUT_MS')).toBe(false);
    expect(given.has('REDIS_URL')).toBe(false);
  });
});
