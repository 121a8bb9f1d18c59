import type { Logger } from './logger.ts';

/**
 * Shutdown in phases, each with a deadline:
 *  1. `intake` — stop taking new work (pollers, workers' fetch loop, HTTP listener);
 *  2. `drain`  — let in-flight work finish; at the deadline its AbortSignal fires so it can abort;
 *  3. `close`  — close connections and pools, one at a time, newest first.
 * The first SIGINT/SIGTERM starts it; a second one forces exit. Jobs that did not finish are
 * recovered by BullMQ's stalled-job check on another worker.
 */
export type Phase = 'intake' | 'drain' | 'close';
type Task = (deadline: AbortSignal) => Promise<void> | void;

const PHASES: Phase[] = ['intake', 'drain', 'close'];

export class Lifecycle {
  readonly #tasks: Record<Phase, Array<{ name: string; fn: Task }>> = { intake: [], drain: [], close: [] };
  readonly #log: Logger;
  readonly #timeoutMs: number;
  #shutdown: Promise<void> | undefined;
  #signals = 0;
  #onSignal = (signal: NodeJS.Signals) => this.#handleSignal(signal);
  #exit: (code: number) => void;

  constructor(log: Logger, opts: { timeoutMs: number; exit?: (code: number) => void }) {
    this.#log = log;
    this.#timeoutMs = opts.timeoutMs;
    this.#exit = opts.exit ?? ((code) => process.exit(code));
  }

  /** Register work for a phase; tasks of one phase run in parallel, phases in order. */
  on(phase: Phase, name: string, fn: Task): this {
    this.#tasks[phase].push({ name, fn });
    return this;
  }

  get shuttingDown(): boolean {
    return this.#shutdown !== undefined;
  }

  installSignalHandlers(): this {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
    return this;
  }

  removeSignalHandlers(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }

  #handleSignal(signal: NodeJS.Signals): void {
    this.#signals += 1;
    if (this.#signals > 1) {
      this.#log.warn({ signal }, 'second signal: forcing exit now');
      this.#exit(130);
      return;
    }
    this.#log.info({ signal, deadlineMs: this.#timeoutMs }, 'shutting down gracefully (send the signal again to force)');
    void this.shutdown(signal).then(
      () => this.#exit(0),
      () => this.#exit(1),
    );
  }

  /** Run every phase once; later calls return the same promise. */
  shutdown(reason = 'requested'): Promise<void> {
    this.#shutdown ??= this.#run(reason);
    return this.#shutdown;
  }

  async #run(reason: string): Promise<void> {
    const started = Date.now();
    let failed = false;
    for (const phase of PHASES) {
      // intake and close get a short fixed budget; drain gets the configured deadline.
      const budget = phase === 'drain' ? this.#timeoutMs : Math.min(10_000, this.#timeoutMs);
      const deadline = AbortSignal.timeout(budget);
      // Tasks are awaited past the deadline (they are told to abort through it) up to a grace period.
      const runTask = async (t: { name: string; fn: Task }) => {
        const hardStop = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`did not finish within ${budget + 5000} ms`)), budget + 5000).unref(),
        );
        try {
          await Promise.race([Promise.resolve().then(() => t.fn(deadline)), hardStop]);
        } catch (err) {
          failed = true;
          this.#log.error({ phase, task: t.name, err: (err as Error)?.message }, 'shutdown task failed');
        }
      };
      if (phase === 'close') {
        // Resources close in reverse order of creation (queues before their connection).
        for (const t of [...this.#tasks.close].reverse()) await runTask(t);
      } else await Promise.all(this.#tasks[phase].map(runTask));
      this.#log.info({ phase, ms: Date.now() - started }, 'shutdown phase complete');
    }
    this.#log.info({ reason, ms: Date.now() - started }, failed ? 'shutdown finished with errors' : 'shutdown complete');
    this.removeSignalHandlers();
    if (failed) throw new Error('shutdown finished with errors');
  }
}
