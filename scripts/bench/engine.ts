import { loadCatalog } from '../../agent/catalog/load.ts';
import { detect } from '../../agent/engine/detect.ts';
import type { Inventory } from '../../agent/model.ts';

// The engine alone on a synthetic host: n processes and n packages, none of them a catalog tool (the
// common case: every item is looked up and nothing matches), plus one AnyDesk so the match path runs.
// CPU time of this process (process.cpuUsage), median of runs; the engine is synchronous.

function inventory(n: number): Inventory {
  const processes = Array.from({ length: n }, (_, i) => ({
    pid: 1000 + i,
    ppid: 1,
    name: `worker-${i % 97}`,
    exe: `/usr/lib/app${i % 211}/bin/worker-${i % 97}`,
    cmdline: `/usr/lib/app${i % 211}/bin/worker-${i % 97} --port ${1024 + (i % 5000)} --host node${i}.internal.example`,
    user: 'user',
  }));
  processes.push({ pid: 99, ppid: 1, name: 'anydesk', exe: '/usr/bin/anydesk', cmdline: '/usr/bin/anydesk --service', user: 'root' });
  const packages = Array.from({ length: n }, (_, i) => ({ name: `lib-package-${i}`, version: `1.${i % 30}.0`, source: 'dpkg' as const }));
  return {
    schema: 'ratwatch.inventory/1',
    host: { hostname: 'bench', os: 'linux', collectedAt: '2026-12-01T00:00:00.000Z', agentVersion: '0.0.0' },
    context: {},
    sources: [],
    processes,
    packages,
    services: [],
    sockets: [],
    devices: [],
    settings: [],
    files: [],
  } as Inventory;
}

function cpuMs(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function engineRows(runs: number): { name: string; value: string; baseline: string; ratio: string; goal: string }[] {
  const catalog = loadCatalog();
  const small = inventory(5000);
  const big = inventory(10000);
  detect(small, catalog); // index built, code warm
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < Math.max(runs, 5); i++) {
    a.push(cpuMs(() => detect(small, catalog)));
    b.push(cpuMs(() => detect(big, catalog)));
  }
  const ma = median(a);
  const mb = median(b);
  return [
    { name: 'engine alone, 5,000 processes x 5,000 packages', value: `${ma.toFixed(1)} ms`, baseline: '', ratio: '', goal: '<= 15 ms' },
    { name: '  10,000 x 10,000 (linear: 2x)', value: `${mb.toFixed(1)} ms`, baseline: '', ratio: `${(mb / ma).toFixed(2)}x`, goal: '2x' },
  ];
}
