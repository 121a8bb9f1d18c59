import { Writable } from 'node:stream';

/** A destination for the fleet's logger that keeps every line written (what would reach log storage). */
export class LogSink extends Writable {
  readonly lines: string[] = [];

  constructor() {
    super({
      write: (chunk: Buffer, _enc, cb) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
        cb();
      },
    });
  }

  get text(): string {
    return this.lines.join('\n');
  }

  /** Lines containing any of `needles`. */
  matching(needles: readonly string[]): string[] {
    return this.lines.filter((l) => needles.some((n) => l.includes(n)));
  }
}
