// What the benchmarks read of a process from /proc (Linux): CPU time and resident memory.
import { readFileSync } from 'node:fs';

/** utime + stime of a process, in µs (from /proc/<pid>/stat, clock ticks of 10 ms); NaN when unreadable. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process, in MiB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
