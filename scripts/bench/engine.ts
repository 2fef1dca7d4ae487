import type { Inventory } from '../../agent/model.ts';

// A synthetic host for the engine alone: n processes and n packages, none of them a catalog tool (the
// common case: every item is looked up and nothing matches), plus one AnyDesk so the match path runs.

export function syntheticInventory(n: number): Inventory {
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
