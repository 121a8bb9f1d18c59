import type { Logger } from '@fable-jobs/runtime';

/**
 * Work the API finishes after answering (credit deduction, run reports, Slack unfurls): tracked
 * so shutdown can wait for it, and so tests can wait for it without sleeping.
 */
export class BackgroundTasks {
  readonly #tasks = new Set<Promise<void>>();
  readonly #log: Logger;
  #idle: Array<() => void> = [];

  constructor(log: Logger) {
    this.#log = log;
  }

  get size(): number {
    return this.#tasks.size;
  }

  run(name: string, fn: () => Promise<unknown>): void {
    const task: Promise<void> = fn()
      .then(() => undefined)
      .catch((err: unknown) => this.#log.error({ task: name, err: (err as Error).message }, 'background task failed'))
      .finally(() => {
        this.#tasks.delete(task);
        if (this.#tasks.size === 0) for (const r of this.#idle.splice(0)) r();
      });
    this.#tasks.add(task);
  }

  /** Resolves when no task is running. */
  idle(): Promise<void> {
    return this.#tasks.size === 0 ? Promise.resolve() : new Promise((r) => this.#idle.push(r));
  }

  /** Wait for running tasks up to `timeoutMs`; returns how many were left behind. */
  async drain(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    return this.#tasks.size;
  }
}
