import * as fs from 'node:fs';

/** One process as /proc/<pid>/stat tells it (CPU in seconds: user + system, clock ticks at 100 Hz). */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** The executable's name (`node`, `ffmpeg`). */
  name: string;
  /** CPU the process itself used so far. */
  cpuS: number;
  /** CPU of its children it has reaped (exited ffmpeg exports). */
  reapedCpuS: number;
}

/** The process's stat, or null once it is gone (or on a system without /proc). */
export function procStat(pid: number | undefined): ProcStat | null {
  if (!pid) return null;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
    // After the name: state ppid … utime(14) stime(15) cutime(16) cstime(17), numbered from pid = 1.
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(rest[1]),
      name,
      cpuS: (Number(rest[11]) + Number(rest[12])) / 100,
      reapedCpuS: (Number(rest[13]) + Number(rest[14])) / 100,
    };
  } catch {
    return null;
  }
}

/** CPU seconds a process has used so far; NaN when it is gone. */
export const cpuSeconds = (pid: number | undefined): number => procStat(pid)?.cpuS ?? Number.NaN;

/** Every process on the machine now. */
export function allProcs(): ProcStat[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procStat(Number(d)))
    .filter((p): p is ProcStat => p !== null);
}
