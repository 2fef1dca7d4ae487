// Builders for simulated fleets: host snapshots as the server core would hand them to evaluateFarms.
import type { HostFinding, HostSnapshot } from '../../../server/farm/types.ts';

export const NOW = new Date('2026-06-01T12:00:00.000Z');
export const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * 3_600_000).toISOString();

const hex = (n: number, bytes: number): string =>
  n
    .toString(16)
    .padStart(bytes * 2, '0')
    .match(/../g)!
    .join(':');

/** A unique, valid, universally administered MAC from a number and a vendor prefix. */
export const mac = (n: number, oui = 'a4:83:e7'): string => `${oui}:${hex(n, 3)}`;
/** A unique public IPv4 address in 100.64/10-free documentation-like space (not special-cased). */
export const ip = (n: number): string => `81.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

export const ANYDESK: HostFinding = { toolId: 'anydesk', toolName: 'AnyDesk', category: 'remote-desktop', severity: 'high' };

export function host(id: string, over: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    agentId: id,
    hostname: `${id}-laptop`,
    user: `${id}@corp.example`,
    os: 'windows',
    seenAt: hoursAgo(1),
    publicIp: undefined,
    context: { timezone: 'America/New_York', locale: 'en-US', inputMethods: ['0409:00000409'] },
    findings: [],
    ...over,
  };
}

export interface Fleet {
  hosts: HostSnapshot[];
  farm: string[];
  office: string[];
}

export const OFFICE_IP = '198.51.100.10';

/** 500 ordinary home workers, an office of 50 behind one IP, a farm of 6 laptops behind one router, 2 with AnyDesk. */
export function simulatedFleet(ordinary = 500): Fleet {
  const hosts: HostSnapshot[] = [];
  for (let i = 0; i < ordinary; i++) {
    hosts.push(
      host(`home${i}`, {
        publicIp: ip(1000 + i),
        context: {
          timezone: 'America/Chicago',
          locale: 'en-US',
          defaultGatewayMac: mac(1000 + i),
          wifiBssid: mac(1000 + i, '3c:37:86'),
          wifiSsid: 'home',
        },
      }),
    );
  }
  const office: string[] = [];
  for (let i = 0; i < 50; i++) {
    office.push(`office${i}`);
    hosts.push(
      host(`office${i}`, {
        os: 'darwin',
        publicIp: OFFICE_IP,
        // the office router and access point are not in the allow-list: the office IP alone must cover them
        context: {
          timezone: 'America/New_York',
          locale: 'en_US.UTF-8',
          defaultGatewayMac: '00:1A:2B:3C:4D:5E',
          wifiBssid: mac(7, 'f0:9f:c2'),
          wifiSsid: 'corp',
        },
      }),
    );
  }
  const farm: string[] = [];
  for (let i = 0; i < 6; i++) {
    farm.push(`farm${i}`);
    hosts.push(
      host(`farm${i}`, {
        publicIp: '82.1.2.3',
        seenAt: hoursAgo(2 + i),
        context: {
          timezone: 'America/New_York',
          locale: 'en-US',
          defaultGatewayMac: i % 2 ? '60-38-E0-11-22-33' : '60:38:e0:11:22:33',
          wifiSsid: 'NETGEAR42',
        },
        findings: i < 2 ? [ANYDESK] : [],
      }),
    );
  }
  return { hosts, farm, office };
}
