/** What every scenario returns: how many attacks were made and how many had an observed effect. */
export interface ScenarioResult {
  scenario: string;
  attempts: number;
  /** Attempts whose effect was observed (route answered with data, request reached a victim, canary found...), plus effects seen once for a batch (see Tally.observe). */
  gotThrough: number;
  /** Every legitimate control request had its effect (a broken harness cannot report 0 by accident). */
  controlPassed: boolean;
  notes: string;
  durationMs: number;
  /** One line per attempt that got through (empty when gotThrough is 0). */
  breaches: string[];
  /** One line per control, with its outcome. */
  controls: string[];
  /** The harness itself failed (timeout, setup): the figures above mean nothing. */
  error?: string | undefined;
}

/** Counts attempts and controls of one scenario as they are decided. */
export class Tally {
  attempts = 0;
  readonly breaches: string[] = [];
  readonly #controls: Array<{ label: string; ok: boolean; detail: string }> = [];

  /** One attack; `through` is what was observed at the receiving side. */
  attempt(label: string, through: boolean, detail = ''): boolean {
    this.attempts += 1;
    // SECURITY_DEBUG=1 prints every decision, not only the breaches.
    if (process.env['SECURITY_DEBUG']) process.stderr.write(`${through ? 'THROUGH' : 'held'} ${label}${detail ? `: ${detail}` : ''}\n`);
    if (through) this.breaches.push(detail ? `${label}: ${detail}` : label);
    return through;
  }

  /** An effect of a whole batch that no single attempt can be blamed for (a dropped table): got through once, no attempt added. */
  observe(label: string, bad: boolean, detail = ''): boolean {
    if (bad) this.breaches.push(detail ? `${label}: ${detail}` : label);
    return bad;
  }

  /** One legitimate request that must have its effect. */
  control(label: string, ok: boolean, detail = ''): boolean {
    this.#controls.push({ label, ok, detail });
    return ok;
  }

  get controlPassed(): boolean {
    return this.#controls.length > 0 && this.#controls.every((c) => c.ok);
  }

  result(scenario: string, startedAt: number, notes: string): ScenarioResult {
    return {
      scenario,
      attempts: this.attempts,
      gotThrough: this.breaches.length,
      controlPassed: this.controlPassed,
      notes,
      durationMs: Date.now() - startedAt,
      breaches: [...this.breaches],
      controls: this.#controls.map((c) => `${c.ok ? 'ok' : 'FAILED'} ${c.label}${c.detail ? ` (${c.detail})` : ''}`),
    };
  }
}

/** Cleanups run in reverse order, each one even when an earlier one failed. */
export class Defer {
  readonly #fns: Array<{ what: string; fn: () => unknown }> = [];

  add(what: string, fn: () => unknown): void {
    this.#fns.push({ what, fn });
  }

  async run(): Promise<string[]> {
    const problems: string[] = [];
    for (const { what, fn } of this.#fns.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
    }
    return problems;
  }
}

/** A scenario body under a hard time limit, its `defer`red cleanups always run; a timeout rejects (never a silent 0). */
export async function runScenario(name: string, limitMs: number, body: (t: Tally, defer: Defer) => Promise<string>): Promise<ScenarioResult> {
  const t0 = Date.now();
  const tally = new Tally();
  const defer = new Defer();
  let timer: NodeJS.Timeout | undefined;
  try {
    const notes = await Promise.race([
      body(tally, defer),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} exceeded its ${limitMs} ms limit`)), limitMs))),
    ]);
    return tally.result(name, t0, notes);
  } finally {
    clearTimeout(timer);
    const problems = await defer.run();
    if (problems.length > 0) process.stderr.write(`[${name}] cleanup problems: ${problems.join('; ')}\n`);
  }
}

/** A short random tag for names and markers of one run. */
export function tag(): string {
  return Math.random().toString(36).slice(2, 10);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `cond` until true or the deadline; returns whether it became true. */
export async function waitUntil(cond: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}
