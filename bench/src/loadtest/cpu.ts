import { readFileSync, readdirSync } from 'node:fs';

/** CPU seconds spent by this process's descendants, by what they are: where a run's time went. Linux only. */
export function cpuByRole(): Record<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const procs = new Map<number, { ppid: number; cpu: number; cmd: string }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses: state ppid … utime stime cutime cstime.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const cpu = [11, 12, 13, 14].reduce((sum, i) => sum + Number(rest[i] ?? 0), 0) / ticks;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      procs.set(pid, { ppid, cpu, cmd });
    } catch {
      // Gone meanwhile.
    }
  }
  const out: Record<string, number> = {};
  const mine = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid; p !== undefined && p > 1; p = procs.get(p)?.ppid) {
      if (p === process.pid) return true;
    }
    return false;
  };
  for (const [pid, info] of procs) {
    if (!mine(pid)) continue;
    // The postmaster's children's time holds its backends that exited; live ones count on their own.
    const role = info.cmd.includes('--role server')
      ? 'app servers'
      : info.cmd.includes('--role devices')
        ? 'devices'
        : info.cmd.includes('postgres')
          ? 'postgresql'
          : null;
    if (role) out[role] = (out[role] ?? 0) + info.cpu;
  }
  const own = process.cpuUsage();
  out['run + proxy'] = (own.user + own.system) / 1e6;
  return out;
}
