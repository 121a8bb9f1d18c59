import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * `setpriv --pdeathsig SIGKILL --` (util-linux, Linux): the kernel kills the child when this
 * process dies, so a crashed worker leaves no ffmpeg running (ffmpeg ignores SIGPIPE). Empty
 * where setpriv is not available.
 */
export function dieWithParentPrefix(): string[] {
  if (process.platform !== 'linux') return [];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'setpriv'), constants.X_OK);
      return [join(dir, 'setpriv'), '--pdeathsig', 'SIGKILL', '--'];
    } catch {
      /* not in this directory */
    }
  }
  return [];
}

export interface FfmpegProgress {
  /** Media time written so far (seconds). */
  outTimeSeconds: number;
  /** `progress=end`: ffmpeg has finished writing. */
  done: boolean;
}

export interface RunOptions {
  /** Abort → SIGTERM, then SIGKILL after `killGraceMs`; the promise settles only once the process is gone. */
  signal: AbortSignal;
  killGraceMs: number;
  /** Command words to run the executable through (see dieWithParentPrefix). */
  prefix?: readonly string[];
  /** Parse ffmpeg's `-progress pipe:1` blocks from stdout instead of collecting stdout. */
  onProgress?: (p: FfmpegProgress) => void;
  maxStdoutBytes?: number;
}

export interface RunResult {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stdout: string;
  /** The last few KB of stderr: where ffmpeg says what went wrong. */
  stderrTail: string;
}

/** The executable could not be started (not installed, not executable). */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
}

const TAIL_BYTES = 8 * 1024;

/**
 * Run ffmpeg/ffprobe as a child process without blocking the event loop. Rejects with the
 * signal's reason when aborted, after the child has exited (no orphan is left behind).
 */
export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason);
    const [exe = command, ...pre] = opts.prefix?.length ? [...opts.prefix, command] : [command];
    const child = spawn(exe, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    const maxStdout = opts.maxStdoutBytes ?? 16 * 1024 * 1024;

    const onAbort = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killGraceMs);
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err) => {
      spawnError = err;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > TAIL_BYTES * 2) stderr = stderr.slice(-TAIL_BYTES);
    });
    if (opts.onProgress) {
      const onProgress = opts.onProgress;
      let outTimeUs = 0;
      createInterface({ input: child.stdout }).on('line', (line) => {
        const eq = line.indexOf('=');
        if (eq < 0) return;
        const key = line.slice(0, eq);
        const value = line.slice(eq + 1).trim();
        if (key === 'out_time_us' || key === 'out_time_ms') {
          const n = Number(value);
          if (Number.isFinite(n) && n >= 0) outTimeUs = n;
        } else if (key === 'progress') {
          onProgress({ outTimeSeconds: outTimeUs / 1e6, done: value === 'end' });
        }
      });
    } else {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        if (stdout.length < maxStdout) stdout += chunk;
      });
    }

    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(killTimer);
      opts.signal.removeEventListener('abort', onAbort);
      if (spawnError) return reject(new SpawnError(`cannot run ${command}: ${spawnError.message}`, { cause: spawnError }));
      if (opts.signal.aborted) return reject(opts.signal.reason);
      // setpriv could not exec the executable (127 is the shell convention it follows).
      if (exitCode === 127 && pre.length > 0 && /setpriv: failed to execute/.test(stderr)) return reject(new SpawnError(`cannot run ${command}: ${stderr.trim()}`));
      resolve({ exitCode, exitSignal, stdout, stderrTail: stderr.slice(-TAIL_BYTES) });
    });
  });
}
