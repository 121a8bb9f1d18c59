import type { ScenarioResult } from './lib/result.ts';
import { adminRoutes } from './scenarios/admin-routes.ts';
import { canarySecrets } from './scenarios/canary-secrets.ts';
import { jwtForgeries } from './scenarios/jwt-forgeries.ts';
import { llmopsFlood } from './scenarios/llmops-flood.ts';
import { oversize } from './scenarios/oversize.ts';
import { sqlInjection } from './scenarios/sql-injection.ts';
import { ssrf } from './scenarios/ssrf.ts';
import { templates } from './scenarios/templates.ts';

export interface Scenario {
  name: string;
  run: () => Promise<ScenarioResult>;
  /** How the scenario decides that an attempt got through (observed effects, never the code's verdict). */
  decides: string;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'jwt-forgeries',
    run: jwtForgeries,
    decides:
      'Each forged token is sent to `GET /v1/f/llmops/jobs/<run>` (a run owned by the victim sub, seeded in `llm_runs`) and to `POST /v1/f/llmops` with `Prefer: respond-async`. Got through = any answer other than 401 on either, or an `llm_runs` row created for the victim by a forged POST, or any request reaching the attacker\'s own JWKS server. A token whose validity was cached must be refused once it has expired.',
  },
  {
    name: 'admin-routes',
    run: adminRoutes,
    decides:
      'Routes come from Bull Board\'s own route table (`@bull-board/api` `dist/routes.js`) and from the app\'s route tree (`printRoutes`), every method, with real targets (a failed job, a delayed job, a scheduler, a dead letter). Got through = a 2xx/3xx answer to a request without admin rights (or a state-changing one from a viewer), or afterwards any change in the Redis keys of the queues (TTL expiry excepted), in the SQS dead-letter queue depth, or an `audit_log` entry of the dashboard/admin API.',
  },
  {
    name: 'ssrf',
    run: ssrf,
    decides:
      'Every target gets its own victim: a TCP server listening on every local address (`::`, dual stack) on its own port, so a connection names the attack. Non-local targets (metadata, private ranges) are caught by a socket-level spy on `net.Socket.prototype.connect` in the worker process. Got through = a connection at the victim, or an outbound connect to its port or address. A control delivery to the allowed endpoint must arrive, and the spy must have seen it.',
  },
  {
    name: 'templates',
    run: templates,
    decides:
      'The tenant endpoint records what is delivered. Got through = the worker\'s environment canary, function source, a key the template does not have, an injected header, a spoofed reserved header (Host, X-Fable-*), a body over the limit or a polluted value arriving there; a job held over 5 s by rendering; a change to the built-in prototypes or globals of the worker process; or console output from Handlebars\' log helper.',
  },
  {
    name: 'sql-injection',
    run: sqlInjection,
    decides:
      'Each payload carries an attempt id. Got through = a canary table (MySQL and PostgreSQL) dropped or changed, canary `jobs` rows no message named changed, a `jobs.failure_reason` that is exactly an injected marker (only an executed UPDATE leaves that), a syntax/binding database error carrying the attempt id on any surface (logs, Redis, `job_runs`, `jobs`, `webhook_deliveries`, `message_ledger`, `llm_runs`, slash replies), a SLEEP/pg_sleep payload whose job (or reply) took ≥ 2.9 s, a slash reply revealing a user or org the text did not name, a 5xx, or the platform tables changed.',
  },
  {
    name: 'oversize',
    run: oversize,
    decides:
      'Got through = a 2xx answer to a body, header or framing over its limit; an `llm_runs` row for the oversized requests; `/health` not answering after 30 000-deep JSON; a job or a Slack post for an SQS message over `BRIDGE_MAX_MESSAGE_BYTES` (counted in bytes, attribute names included); or more than the response cap (plus 512 KiB of socket slack) read from a 5 MB tenant response, measured as `bytesRead` on the worker\'s socket.',
  },
  {
    name: 'llmops-flood',
    run: llmopsFlood,
    decides:
      'Fake Anthropic and OpenAI count every model call. Got through = a 2xx beyond the per-user limit (across two replicas sharing Redis), a 2xx on an alternative path, an aud/gen request not answered 429 once the limit is spent, model or speech calls or `llm_runs` rows beyond the limit, or (30 users at once) model calls beyond the pool-wide token bucket (capacity + elapsed × rate + 1).',
  },
  {
    name: 'canary-secrets',
    run: canarySecrets,
    decides:
      'Canaries (random `canary-…` values) in every secret setting of a real `fable-jobs start` process (each one really used by a fake that checks it), in request headers, and in payload fields named like secrets; traffic includes failures where providers echo the credential back. Searched: the process output, every Redis key under the prefix, MySQL `job_runs`, `audit_log`, `webhook_deliveries`, `llm_runs`, `llm_run_attempts`, `message_ledger`, `job_keys`, the dashboard JSON API (every queue, status and job, with logs), the admin API, the dead-letter queue and `/metrics`. Got through = a setting or header canary anywhere; a payload canary anywhere except job input kept by design (job `data`, `llm_runs.input`, the rendered webhook body, a dead letter\'s own message).',
  },
];

/** Run scenarios one after the other (they patch process-wide hooks and time things); an error becomes a row. */
export async function runAll(opts: { only?: readonly string[]; log?: (line: string) => void } = {}): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    if (opts.only?.length && !opts.only.includes(s.name)) continue;
    opts.log?.(`running ${s.name}...`);
    const t0 = Date.now();
    try {
      results.push(await s.run());
    } catch (err) {
      results.push({ scenario: s.name, attempts: 0, gotThrough: 0, controlPassed: false, notes: '', durationMs: Date.now() - t0, breaches: [], controls: [], error: (err as Error).message });
    }
    const r = results.at(-1);
    opts.log?.(`${s.name}: ${r?.error ? `error: ${r.error}` : `${r?.attempts} attempts, ${r?.gotThrough} got through, control ${r?.controlPassed ? 'ok' : 'FAILED'}`} (${((r?.durationMs ?? 0) / 1000).toFixed(1)} s)`);
  }
  return results;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The results as a markdown table: scenario, attempts, got through, control ok, time, notes. */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const rows = results.map((r) =>
    r.error
      ? `| ${r.scenario} | — | error | no | ${(r.durationMs / 1000).toFixed(1)} | ${cell(`harness error: ${r.error}`)} |`
      : `| ${r.scenario} | ${r.attempts} | ${r.gotThrough} | ${r.controlPassed ? 'yes' : 'NO'} | ${(r.durationMs / 1000).toFixed(1)} | ${cell(r.notes)}${r.breaches.length ? cell(` — got through: ${r.breaches.slice(0, 5).join('; ')}`) : ''}${r.controlPassed ? '' : cell(` — controls: ${r.controls.filter((c) => !c.startsWith('ok')).join('; ')}`)} |`,
  );
  return ['| scenario | attempts | got through | control ok | time (s) | notes |', '| --- | ---: | ---: | --- | ---: | --- |', ...rows].join('\n');
}

/** SECURITY.md: title, date, command, the table, and how each check decides got-through. */
export function securityReport(results: readonly ScenarioResult[], opts: { date: string; command: string; environment: string }): string {
  const total = results.reduce((n, r) => n + r.gotThrough, 0);
  const failed = results.filter((r) => r.error || !r.controlPassed).map((r) => r.scenario);
  return [
    '# Security scenarios',
    '',
    `Run ${opts.date} on ${opts.environment}, with \`${opts.command}\` (each scenario alone: \`node bench/security/<scenario>.ts\`; in CI: \`pnpm --filter @fable-jobs/security-suite test\`).`,
    '',
    'Every scenario attacks the real components on loopback (the Fastify app listening, JWT verification against a local JWKS issuer, the bridge and the worker pools on real Redis, MariaDB and PostgreSQL, the real CLI process) and counts what got through by observing the effect at the receiving side. Each also runs legitimate requests that must have their effect ("control ok"), so a broken harness cannot report 0.',
    '',
    `Total got through: **${total}**${failed.length ? `; controls failed or harness errors in: ${failed.join(', ')}` : '; every control passed'}.`,
    '',
    markdownTable(results),
    '',
    '## How each check decides got-through',
    '',
    ...SCENARIOS.filter((s) => results.some((r) => r.scenario === s.name)).flatMap((s) => [`- **${s.name}** — ${s.decides}`]),
    '',
  ].join('\n');
}
