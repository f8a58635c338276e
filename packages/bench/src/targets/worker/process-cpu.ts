/**
 * CPU time of processes from /proc (Linux): the sum over every thread of a process of the time it
 * ran on a CPU, from `/proc/PID/task/TID/schedstat` (nanoseconds; the scheduler's own accounting),
 * falling back to utime + stime of `/proc/PID/stat` (clock ticks, 10 ms here) where schedstat is
 * missing. Used on the workerd processes `wrangler dev` starts. The sum covers live threads only:
 * a thread that exits takes its time with it (workerd keeps its threads for its lifetime, so
 * differences across a request are not affected; /proc/PID/stat would count them, in 10 ms ticks).
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on Linux x86-64 and arm64). */
const USER_HZ = 100;

async function threadCpuNs(pid: number): Promise<number | undefined> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let total = 0;
  for (const tid of tids) {
    const text = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // the thread ended between readdir and read
    total += Number(text.split(' ')[0] ?? 0);
  }
  return total;
}

async function statCpuNs(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3; utime, stime are 14, 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return (ticks * 1e9) / USER_HZ;
}

/** Where processCpuNs read its numbers. */
export const CPU_SOURCE = '/proc/PID/task/*/schedstat (ns)';

/** The CPU time used so far by `pids` together, in nanoseconds (exited processes count 0). */
export async function processCpuNs(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += (await threadCpuNs(pid)) ?? (await statCpuNs(pid)) ?? 0;
  return total;
}
