import { readdirSync, readFileSync } from 'node:fs';

/** Busy share of all CPUs between two readings of /proc/stat (what the machine had left). */
export function cpuSampler(): () => number {
  const read = () => {
    const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
    const n = fields.map(Number);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return { idle, total: n.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  return () => {
    const b = read();
    return b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : NaN;
  };
}

/** CPU time (user + system, ms) used so far by these processes, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function processCpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.split(' ') ?? [];
      ticks += Number(rest[11] ?? 0) + Number(rest[12] ?? 0);
    } catch {
      /* exited */
    }
  }
  return ticks * 10;
}

/** Direct children of this process whose command line matches (the emulator, redis-server, the fake servers). */
export function childPids(pattern: RegExp): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').pop()?.split(' ')[1]);
      if (ppid === process.pid && pattern.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU of groups of processes over an interval, as cores used (CPU ms / wall ms). */
export function coresSampler(groups: Record<string, number[]>): () => Record<string, number> {
  const t0 = performance.now();
  const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, processCpuMs(pids)]));
  return () => {
    const wall = performance.now() - t0;
    return Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, (processCpuMs(pids) - (before[k] ?? 0)) / wall]));
  };
}

/** Processes of this machine by command name (/proc/<pid>/comm), e.g. the shared MariaDB server. */
export function pidsByName(pattern: RegExp): number[] {
  return readdirSync('/proc').filter((e) => {
    if (!/^\d+$/.test(e)) return false;
    try {
      return pattern.test(readFileSync(`/proc/${e}/comm`, 'utf8').trim());
    } catch {
      return false;
    }
  }).map(Number);
}
