export interface CheckResult {
  ok: boolean;
  detail?: string | undefined;
}
export type Check = () => Promise<CheckResult>;

/** Named readiness checks (Redis, MySQL, PostgreSQL, bridge liveness...), each time-boxed. */
export class Health {
  readonly #checks = new Map<string, Check>();

  has(name: string): boolean {
    return this.#checks.has(name);
  }

  add(name: string, check: Check): this {
    this.#checks.set(name, check);
    return this;
  }

  async run(timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
    const entries = await Promise.all(
      [...this.#checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const result = await Promise.race([
            check(),
            new Promise<CheckResult>((resolve) => {
              timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
            }),
          ]);
          return [name, result] as const;
        } catch (err) {
          return [name, { ok: false, detail: (err as Error).message }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ok: entries.every(([, r]) => r.ok), checks };
  }
}
