/** Resident memory of a process tree from /proc (Linux): used to find workerd under wrangler dev. */
import { readdir, readFile } from 'node:fs/promises';

/** One process's memory, in bytes. */
export interface ProcessMemory {
  readonly pid: number;
  readonly command: string;
  /** VmRSS: resident now. */
  readonly rssBytes: number;
  /** VmHWM: the peak resident set. */
  readonly peakRssBytes: number;
}

async function statusOf(pid: number): Promise<Record<string, string> | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    return Object.fromEntries(
      text.split('\n').flatMap((line) => {
        const at = line.indexOf(':');
        return at > 0 ? [[line.slice(0, at), line.slice(at + 1).trim()]] : [];
      }),
    );
  } catch {
    return undefined;
  }
}

const kib = (value: string | undefined) => Number.parseInt(value ?? '0', 10) * 1024;

/** Every descendant of `root` (not `root` itself) whose command name matches `name` (and command line, `cmdline`). */
export async function descendantMemory(
  root: number,
  name: RegExp,
  cmdline?: RegExp,
): Promise<ProcessMemory[]> {
  let pids: number[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
  const parents = new Map<number, { ppid: number; status: Record<string, string> }>();
  for (const pid of pids) {
    const status = await statusOf(pid);
    if (status) parents.set(pid, { ppid: Number(status['PPid'] ?? 0), status });
  }
  const isDescendant = (pid: number): boolean => {
    for (
      let p = parents.get(pid)?.ppid ?? 0, hops = 0;
      p > 1 && hops < 64;
      p = parents.get(p)?.ppid ?? 0, hops++
    ) {
      if (p === root) return true;
    }
    return false;
  };
  const found: ProcessMemory[] = [];
  for (const [pid, { status }] of parents) {
    const command = status['Name'] ?? '';
    if (name.test(command) && isDescendant(pid)) {
      if (cmdline) {
        const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (!cmdline.test(args.replace(/\0/g, ' '))) continue;
      }
      found.push({ pid, command, rssBytes: kib(status['VmRSS']), peakRssBytes: kib(status['VmHWM']) });
    }
  }
  return found;
}
