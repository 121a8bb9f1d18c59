// 14. Clock skew of ±5 minutes (libfaketime) on a worker and on the API: are delayed jobs run
//     at their due time, and are valid JWTs accepted / expired ones refused?
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Queue } from 'bullmq';
import { startJwksIssuer, CLI_MAIN, testEnv } from '@fable-jobs/testing';
import { faultCount, scenario, type Fleet, type Report } from '../fleet.ts';

const DELAY_MS = 4000;

const LIBFAKETIME = process.env['LIBFAKETIME'] ?? '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * A fable-jobs process whose clock is shifted by `skew` (e.g. '+5m'): libfaketime preloaded into
 * the process itself (the `faketime` command forks, and killing it would orphan the process).
 */
function skewed(fleet: Fleet, skew: string, args: string[], extra: Record<string, string> = {}) {
  if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} not found: install the Debian package faketime`);
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...process.env, ...testEnv({ ...fleet.env(extra), LOG_LEVEL: 'info' }), LD_PRELOAD: LIBFAKETIME, FAKETIME: skew } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => /workers started|Server listening/.test(String(b)) && resolve();
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (c) => reject(new Error(`skewed process exited (${c})`)));
  });
  return { child, ready, stop: async () => (child.kill('SIGKILL'), await new Promise((r) => child.once('exit', r))) };
}

/** Delayed jobs added by a correct clock, run by a worker `skew` off: lateness of each effect. */
async function delayedOn(fleet: Fleet, skew: string, from: number, n: number): Promise<{ early: number; late: number; notRun: number; worstMs: number }> {
  const worker = skewed(fleet, skew, ['worker', '--pool', 'system']);
  await worker.ready;
  const queue = new Queue('system.effect', { connection: { host: '127.0.0.1', port: fleet.redis.port, maxRetriesPerRequest: null }, prefix: fleet.prefix });
  try {
    const due = Date.now() + DELAY_MS;
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'system.effect', data: { effectKey: fleet.key(from + i) }, opts: { delay: DELAY_MS, jobId: `d-${from + i}` } })));
    await fleet.waitForEffects(from + n, DELAY_MS + 30_000);
    // When each effect happened, by the MySQL server's clock (not the skewed worker's).
    const rows: Array<{ effect_key: string; at: Date }> = await fleet.mysql('system_effects').select('effect_key', { at: 'first_at' }).whereIn('effect_key', Array.from({ length: n }, (_, i) => fleet.key(from + i)));
    const lateness = rows.map((r) => new Date(r.at).getTime() - due);
    return {
      early: lateness.filter((l) => l < -500).length,
      late: lateness.filter((l) => l > 5000).length,
      notRun: n - rows.length,
      worstMs: lateness.length ? Math.max(...lateness.map(Math.abs)) : Number.NaN,
    };
  } finally {
    await queue.close();
    await worker.stop();
  }
}

/** Tokens minted by a correct clock, checked by an API process `skew` off. */
async function jwtOn(fleet: Fleet, skew: string): Promise<{ validAccepted: boolean; expiredRefused: boolean }> {
  const issuer = await startJwksIssuer();
  const api = skewed(fleet, skew, ['api'], { PORT: '0', AUTH0_ISSUER_URL: issuer.issuer, AUTH0_AUDIENCES: 'https://api.fable.test' });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (b: Buffer) => {
        const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(String(b));
        if (m) resolve(Number(m[1]));
      };
      api.child.stdout?.on('data', onData);
      api.ready.catch(reject);
    });
    const call = async (token: string) => (await fetch(`http://127.0.0.1:${port}/v1/f/llmops/jobs/none`, { headers: { authorization: `Bearer 1:${token}` } })).status;
    const now = Math.floor(Date.now() / 1000);
    const valid = await call(issuer.sign({ sub: 'u1', aud: 'https://api.fable.test' }));
    const expired = await call(issuer.sign({ sub: 'u1', aud: 'https://api.fable.test', iat: now - 3600, exp: now - 60 }));
    return { validAccepted: valid !== 401, expiredRefused: expired === 401 };
  } finally {
    await api.stop();
    await issuer.server.close();
  }
}

export async function clockSkew(n = faultCount(20)): Promise<Report & { scenario: string }> {
  return scenario('14 clock skew ±5 min', 10 * 60_000, async (fleet) => {
    const ahead = await delayedOn(fleet, '+5m', 0, n);
    const behind = await delayedOn(fleet, '-5m', n, n);
    // The jobs a slow clock left waiting run once a correct worker joins.
    const correct = await fleet.startWorker();
    await fleet.waitForEffects(2 * n, 60_000);
    await fleet.kill(correct, 'SIGTERM');
    const jwtAhead = await jwtOn(fleet, '+5m');
    const jwtBehind = await jwtOn(fleet, '-5m');
    const report = await fleet.report(2 * n);
    return {
      ...report,
      notes:
        `delayed jobs (due in ${DELAY_MS / 1000} s) on a worker 5 min ahead: ${ahead.early}/${n} ran early (worst ${Math.round(ahead.worstMs)} ms off); ` +
        `5 min behind: ${behind.notRun}/${n} not run within 30 s of due (ran once a correct worker joined). ` +
        `JWT on an API 5 min ahead: valid ${jwtAhead.validAccepted ? 'accepted' : 'REFUSED'}, expired ${jwtAhead.expiredRefused ? 'refused' : 'ACCEPTED'}; ` +
        `5 min behind: valid ${jwtBehind.validAccepted ? 'accepted' : 'REFUSED'}, expired ${jwtBehind.expiredRefused ? 'refused' : 'ACCEPTED'}`,
    };
  });
}

