import { readdirSync, readFileSync } from 'node:fs';

// The CPU time of the PostgreSQL cluster a bench run talks to (Linux /proc): its postmaster, found by the port
// on its command line, with its live children and the children it has reaped. Printed per report beside the
// server's own CPU, it shows the database's share even on a machine other work keeps busy. Undefined elsewhere.

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)

function stat(pid: string): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on: the name may hold spaces
  } catch {
    return undefined;
  }
}

export function postgresCpuMs(databaseUrl: string): number | undefined {
  const port = new URL(databaseUrl).port;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  const master = pids.find((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return /\/postgres$/.test(argv[0]) && argv.some((a, i) => a === '-p' && argv[i + 1] === port);
    } catch {
      return false;
    }
  });
  if (!master) return undefined;
  // stat fields, counted from the state field as 0: ppid 1, utime 11, stime 12, cutime 13, cstime 14
  const m = stat(master);
  if (!m) return undefined;
  let ticks = Number(m[11]) + Number(m[12]) + Number(m[13]) + Number(m[14]);
  for (const p of pids) {
    const f = stat(p);
    if (f && f[1] === master) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MS;
}
