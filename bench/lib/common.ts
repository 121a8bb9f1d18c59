import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// Shared by the benchmarks: the emulator (from @fable-jobs/drills) and table formatting.
export { createQueuePair, preload, queueDepth, startEmulator, type Emulator } from '@fable-jobs/drills';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i] ?? 0)).join(' | ')} |`;
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

/** The median of some numbers (the middle run of an odd count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

/** Run a TypeScript file as a child process and resolve once it prints a line matching `pattern` (group 1 = port). */
export function startChild(file: URL, env: Record<string, string>, pattern: RegExp): Promise<{ port: number; stop(): Promise<void> }> {
  const proc: ChildProcess = spawn(process.execPath, [fileURLToPath(file)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (b: Buffer) => {
      const m = pattern.exec(String(b));
      if (m) {
        resolve({
          port: Number(m[1]),
          async stop() {
            if (proc.exitCode !== null) return;
            proc.kill('SIGTERM');
            await new Promise((r) => proc.once('exit', r));
          },
        });
      }
    });
    proc.once('exit', (c) => reject(new Error(`${file.pathname} exited ${c}`)));
  });
}
