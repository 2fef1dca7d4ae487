// Prints how long evaluateFarms takes over a simulated fleet (default 10,000 hosts, each with 24 hourly
// context observations). Prints only; asserts nothing. Usage: npx tsx scripts/bench-farm.ts [hosts] [history]
import { evaluateFarms, farmSettings } from '../server/farm/index.ts';
import type { HostSnapshot } from '../server/farm/types.ts';

const hosts = Number(process.argv[2] ?? 10_000);
const history = Number(process.argv[3] ?? 24);
const now = new Date('2026-06-01T12:00:00Z');
const at = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
const hex = (n: number) => n.toString(16).padStart(6, '0').match(/../g)!.join(':');
const fleet: HostSnapshot[] = [];
for (let i = 0; i < hosts; i++) {
  const home = i < 60 ? 1 + Math.floor(i / 6) : i; // ten farms of six
  const office = i % 10 === 0;
  const ctx = {
    timezone: 'America/Chicago',
    locale: 'en-US',
    inputMethods: ['0409:00000409'],
    defaultGatewayMac: `a4:83:e7:${hex(home)}`,
    wifiBssid: `3c:37:86:${hex(home)}`,
  };
  fleet.push({
    agentId: `agent-${i}`,
    hostname: `host-${i}`,
    user: `user${i}@corp.example`,
    os: 'windows',
    seenAt: at(0.5),
    publicIp: office ? '198.51.100.10' : `81.${(home >> 16) & 255}.${(home >> 8) & 255}.${home & 255}`,
    context: ctx,
    contextHistory: Array.from({ length: history }, (_, h) => ({
      ...ctx,
      at: at(h + 1),
      publicIp: office ? '198.51.100.10' : `81.${(home >> 16) & 255}.${(home >> 8) & 255}.${home & 255}`,
    })),
    findings: i % 50 === 0 ? [{ toolId: 'anydesk', toolName: 'AnyDesk', category: 'remote-desktop', severity: 'high' }] : [],
  });
}
const settings = farmSettings({
  office: { cidrs: ['198.51.100.0/24'], gatewayMacs: [], bssids: [] },
  defaultRegion: { countries: ['US'] },
});
for (let run = 1; run <= 3; run++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const r = evaluateFarms(fleet, settings, now);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  // CPU time next to wall time: on a shared machine the wall time includes waiting for a core
  console.log(
    `run ${run}: ${hosts} hosts x ${history + 1} observations: ${ms.toFixed(1)} ms wall, ` +
      `${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU, ${r.groups.length} groups, ${r.alerts.length} alerts`,
  );
}
