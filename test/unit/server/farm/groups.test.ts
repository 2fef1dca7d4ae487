import { describe, expect, it } from 'vitest';
import { evaluateFarms, farmSettings, MAX_LISTED } from '../../../../server/farm/index.ts';
import type { AlertDraft, FarmSettings, HostFinding, HostSnapshot } from '../../../../server/farm/types.ts';
import { ANYDESK, NOW, host, hoursAgo, ip, mac } from '../../../helpers/server/farm-fleet.ts';

// What one farm alert says: which hosts it groups, its severity and rules, the networks and hosts in its
// evidence, its title, the order of several alerts, and which observations count at the window's edge.

const run = (hosts: HostSnapshot[], over: Partial<FarmSettings> = {}) => evaluateFarms(hosts, farmSettings(over), NOW);
const onMac = (id: string, m: string, over: Partial<HostSnapshot> = {}): HostSnapshot =>
  host(id, { ...over, context: { defaultGatewayMac: m, ...over.context } });
const atIp = (id: string, addr: string, over: Partial<HostSnapshot> = {}) => host(id, { publicIp: addr, ...over });
const farmOf = (a: AlertDraft) => {
  if (a.explanation.kind !== 'farm') throw new Error('farm explanation expected');
  return a.explanation;
};
const VPN: HostFinding = { toolId: 'nordvpn', toolName: 'NordVPN', category: 'vpn', severity: 'medium' };

describe('the alert of one group', () => {
  it('gives the full evidence: rules, users, networks with their hosts, hosts with remote access first, window', () => {
    const hosts = [
      onMac('c', mac(1), { publicIp: ip(1), user: undefined }),
      onMac('b', mac(1), { publicIp: ip(1) }),
      onMac('d', mac(2), { publicIp: ip(1), findings: [ANYDESK, VPN] }),
      onMac('a', mac(2)),
    ];
    const { alerts, groups } = run(hosts);
    expect(alerts).toHaveLength(1);
    expect(groups).toHaveLength(1);
    const [a] = alerts;
    expect(a.rule).toBe('laptop-farm');
    expect(a.subject).toBe(`farm:gateway-mac:${mac(1)}`);
    expect(a.severity).toBe('critical');
    expect(a.agentIds).toEqual(['a', 'b', 'c', 'd']);
    expect(a.title).toBe(
      `Possible laptop farm: 4 hosts of 4 users share gateway MAC ${mac(1)} (+2 more shared networks); 1 with remote access`,
    );
    expect(farmOf(a)).toEqual({
      kind: 'farm',
      rules: ['shared-network', 'shared-public-ip', 'remote-access-in-group'],
      distinctUsers: 4,
      networks: [
        { kind: 'gateway-mac', value: mac(1), hostCount: 2, userCount: 2, agentIds: ['b', 'c'] },
        { kind: 'gateway-mac', value: mac(2), hostCount: 2, userCount: 2, agentIds: ['a', 'd'] },
        { kind: 'public-ip', value: ip(1), hostCount: 3, userCount: 3, agentIds: ['b', 'c', 'd'] },
      ],
      hosts: [
        {
          agentId: 'd',
          hostname: 'd-laptop',
          user: 'd@corp.example',
          remoteAccess: [{ toolId: 'anydesk', toolName: 'AnyDesk', category: 'remote-desktop', severity: 'high' }],
        },
        { agentId: 'a', hostname: 'a-laptop', user: 'a@corp.example', remoteAccess: [] },
        { agentId: 'b', hostname: 'b-laptop', user: 'b@corp.example', remoteAccess: [] },
        { agentId: 'c', hostname: 'c-laptop', remoteAccess: [] },
      ],
      hostCount: 4,
      thresholds: { windowHours: 24, macHighMin: 2, macCriticalMin: 3, publicIpMin: 3 },
      window: { from: '2026-05-31T12:00:00.000Z', to: '2026-06-01T12:00:00.000Z' },
    });
    expect(groups[0]).toMatchObject({
      subject: a.subject,
      severity: 'critical',
      hostCount: 4,
      distinctUsers: 4,
      agentIds: ['a', 'b', 'c', 'd'],
    });
    // the first network names the group whatever order the hosts come in
    expect(run([...hosts].reverse()).alerts[0].subject).toBe(a.subject);
  });

  it('counts a host once per network however often it reported it', () => {
    const seen = (id: string) =>
      onMac(id, mac(1), { contextHistory: [1, 2, 3].map((h) => ({ at: hoursAgo(h), defaultGatewayMac: mac(1) })) });
    const [a] = run([seen('a'), seen('b')]).alerts;
    expect(farmOf(a).networks).toEqual([{ kind: 'gateway-mac', value: mac(1), hostCount: 2, userCount: 2, agentIds: ['a', 'b'] }]);
    expect(a.severity).toBe('high');
  });

  it('each host without a user counts as a user of its own', () => {
    const [a] = run([onMac('a', mac(1), { user: undefined }), onMac('b', mac(1), { user: '  ' })]).alerts;
    expect(a.severity).toBe('high');
    expect(farmOf(a).distinctUsers).toBe(2);
    expect(a.title).toBe(`Possible laptop farm: 2 hosts of 2 users share gateway MAC ${mac(1)}`);
  });

  it('the worst shared network sets the severity of a group', () => {
    // b was on a's network and later on c's and d's: one group, its second network shared by three users
    const b = onMac('b', mac(2), { contextHistory: [{ at: hoursAgo(5), defaultGatewayMac: mac(1) }] });
    const hosts = [onMac('a', mac(1)), b, onMac('c', mac(2)), onMac('d', mac(2))];
    expect(run(hosts).alerts.map((a) => [a.severity, a.subject])).toEqual([['critical', `farm:gateway-mac:${mac(1)}`]]);
    expect(run(hosts.slice(0, 3)).alerts.map((a) => [a.severity, a.subject])).toEqual([['high', `farm:gateway-mac:${mac(1)}`]]);
  });

  it('names the shared value in the title by kind, with the number of further networks', () => {
    const wifi = (id: string) => host(id, { context: { wifiBssid: mac(3) } });
    expect(run([wifi('a'), wifi('b')]).alerts[0].title).toBe(`Possible laptop farm: 2 hosts of 2 users share Wi-Fi BSSID ${mac(3)}`);
    expect(run([atIp('a', ip(2)), atIp('b', ip(2)), atIp('c', ip(2))]).alerts[0].title).toBe(
      `Possible laptop farm: 3 hosts of 3 users share public IP ${ip(2)}`,
    );
    const two = (id: string) => host(id, { publicIp: ip(2), context: { wifiBssid: mac(3) } });
    expect(run([two('a'), two('b'), two('c')]).alerts[0].title).toBe(
      `Possible laptop farm: 3 hosts of 3 users share Wi-Fi BSSID ${mac(3)} (+1 more shared network)`,
    );
  });
});

describe('a group on a shared public IP only', () => {
  const three = (findings: HostFinding[][] = []) => [0, 1, 2].map((i) => atIp(`h${i}`, ip(3), { findings: findings[i] ?? [] }));

  it('is medium, high with any open finding, and names remote access as a rule without raising it further', () => {
    expect(run(three()).alerts.map((a) => [a.severity, farmOf(a).rules])).toEqual([['medium', ['shared-public-ip']]]);
    expect(run(three([[VPN]])).alerts.map((a) => [a.severity, farmOf(a).rules])).toEqual([['high', ['shared-public-ip']]]);
    expect(run(three([[], [ANYDESK]])).alerts.map((a) => [a.severity, farmOf(a).rules])).toEqual([
      ['high', ['shared-public-ip', 'remote-access-in-group']],
    ]);
  });

  it('ignores findings in a closed state, and counts any other state', () => {
    for (const state of ['resolved', 'closed', 'allowed', 'suppressed']) {
      expect(
        run(three([[{ ...ANYDESK, state }]])).alerts.map((a) => [a.severity, farmOf(a).rules, farmOf(a).hosts[0].remoteAccess]),
      ).toEqual([['medium', ['shared-public-ip'], []]]);
    }
    for (const state of ['open', 'acknowledged', 'running']) {
      expect(run(three([[{ ...ANYDESK, state }]])).alerts.map((a) => a.severity)).toEqual(['high']);
    }
  });

  it('lists at most MAX_LISTED agents per network but counts them all', () => {
    const many = Array.from({ length: MAX_LISTED + 1 }, (_, i) => atIp(`h${String(i).padStart(4, '0')}`, ip(4)));
    const [n] = farmOf(run(many).alerts[0]).networks;
    expect(n.hostCount).toBe(MAX_LISTED + 1);
    expect(n.userCount).toBe(MAX_LISTED + 1);
    expect(n.agentIds).toHaveLength(MAX_LISTED);
    expect(n.agentIds[0]).toBe('h0000');
  });
});

describe('several alerts', () => {
  it('come worst first, then by subject, farm alerts before region alerts', () => {
    const hosts = [
      atIp('p1', ip(9)),
      atIp('p2', ip(9)),
      atIp('p3', ip(9)),
      onMac('m1', mac(9)),
      onMac('m2', mac(9)),
      onMac('n1', mac(8)),
      onMac('n2', mac(8)),
      host('k', { context: { timezone: 'Asia/Pyongyang' } }),
    ];
    expect(run(hosts).alerts.map((a) => [a.severity, a.subject])).toEqual([
      ['high', `farm:gateway-mac:${mac(8)}`],
      ['high', `farm:gateway-mac:${mac(9)}`],
      ['medium', `farm:public-ip:${ip(9)}`],
      ['critical', 'region:k'],
    ]);
    expect(run([...hosts].reverse()).groups.map((g) => g.subject)).toEqual([
      `farm:gateway-mac:${mac(8)}`,
      `farm:gateway-mac:${mac(9)}`,
      `farm:public-ip:${ip(9)}`,
    ]);
  });
});

describe('the window', () => {
  it('counts a host seen exactly at its start, and a history entry exactly at it', () => {
    expect(run([onMac('a', mac(1), { seenAt: hoursAgo(24) }), onMac('b', mac(1))]).alerts).toHaveLength(1);
    expect(
      run([onMac('a', mac(1), { seenAt: new Date(NOW.getTime() - 24 * 3_600_000 - 1).toISOString() }), onMac('b', mac(1))]).alerts,
    ).toEqual([]);
    const moved = (at: string) => [onMac('a', mac(1)), onMac('b', mac(2), { contextHistory: [{ at, defaultGatewayMac: mac(1) }] })];
    expect(run(moved(hoursAgo(24))).alerts).toHaveLength(1);
    expect(run(moved(new Date(NOW.getTime() - 24 * 3_600_000 - 1).toISOString())).alerts).toEqual([]);
  });

  it('reads region values from the history within the window too', () => {
    const r = run([
      host('a', {
        context: {},
        contextHistory: [
          { at: hoursAgo(2), timezone: 'Asia/Pyongyang' },
          { at: hoursAgo(30), locale: 'ko_KP' },
        ],
      }),
    ]);
    expect(r.alerts.map((a) => a.title)).toEqual(['Host set to a DPRK timezone Asia/Pyongyang on a-laptop']);
  });

  it('reads at most 64 input methods of one observation', () => {
    const ims = (extra: string, n: number) => [...Array.from({ length: n }, (_, i) => `0409:${i}`), extra];
    const alerts = (list: string[]) =>
      run([host('a', { user: 'alice', context: { inputMethods: list } })], { expectedRegions: { alice: { countries: ['US'] } } }).alerts;
    expect(alerts(ims('ibus:hangul', 63))).toHaveLength(1);
    expect(alerts(ims('ibus:hangul', 64))).toEqual([]);
  });
});

describe('expected regions', () => {
  it('a user without a row, or a host without a user, gets the default region, whatever the rows are named', () => {
    const regions = { constructor: { countries: ['JP'] }, undefined: { countries: ['JP'] }, alice: { countries: ['JP'] } };
    const hosts = [
      host('a', { user: 'constructor', context: { timezone: 'Asia/Tokyo' } }),
      host('b', { user: undefined, context: { timezone: 'Asia/Tokyo' } }),
      host('c', { user: 'toString', context: { timezone: 'Asia/Tokyo' } }),
      host('d', { user: 'Alice', context: { timezone: 'Asia/Tokyo' } }),
    ];
    expect(run(hosts, { expectedRegions: regions, defaultRegion: { countries: ['US'] } }).alerts.map((a) => a.subject)).toEqual([
      'region:b',
      'region:c',
    ]);
    expect(
      run(hosts, { expectedRegions: new Map(Object.entries(regions)), defaultRegion: { countries: ['US'] } }).alerts.map((a) => a.subject),
    ).toEqual(['region:b', 'region:c']);
  });
});

describe('hostile snapshots', () => {
  it('skips observations and values of the wrong type and still reads the good ones', () => {
    const h = host('a', {
      user: 'alice',
      context: { timezone: 7 as unknown as string, locale: '', inputMethods: [7, '', 'ibus:anthy'] as unknown as string[] },
      contextHistory: 'x' as unknown as [],
    });
    const r = run([h], { expectedRegions: { alice: { countries: ['US'] } } });
    expect(r.alerts.map((a) => a.title)).toEqual(["Host outside its user's region: input-method ibus:anthy on a-laptop"]);
    const odd = host('b', { user: 'alice', context: { timezone: 'Asia/Tokyo', locale: 5 as unknown as string } });
    expect(run([odd], { expectedRegions: { alice: { countries: ['US'] } } }).alerts.map((a) => a.title)).toEqual([
      "Host outside its user's region: timezone Asia/Tokyo on b-laptop",
    ]);
  });
});
