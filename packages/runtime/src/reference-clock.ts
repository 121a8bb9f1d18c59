/**
 * The fleet's shared clock: Redis' TIME, tracked as an offset from this host's clock and
 * refreshed periodically. BullMQ promotes delayed jobs by each worker's own clock, so one host
 * running ahead would start everyone's delayed jobs early; checking due times against this
 * clock keeps them on time whatever one host's clock says.
 */
export class ReferenceClock {
  #offsetMs = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #time: () => Promise<ReadonlyArray<number | string>>;

  constructor(redis: { time(): Promise<ReadonlyArray<number | string>> }) {
    this.#time = () => redis.time();
  }

  /** Now, by the reference clock (ms since the epoch). */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  async sync(): Promise<void> {
    const before = Date.now();
    const [sec = 0, usec = 0] = await this.#time();
    const after = Date.now();
    // Redis answered somewhere in [before, after]: assume the middle.
    this.#offsetMs = Math.round(Number(sec) * 1000 + Number(usec) / 1000 - (before + after) / 2);
  }

  start(intervalMs = 30_000): this {
    void this.sync().catch(() => {});
    this.#timer = setInterval(() => void this.sync().catch(() => {}), intervalMs);
    this.#timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
