import { describe, expect, it } from 'vitest';
import { evaluateFarms, farmSettings, MAX_LISTED } from '../../../../server/farm/index.ts';
import type { FarmSettings, HostSnapshot } from '../../../../server/farm/types.ts';
import { ANYDESK, NOW, OFFICE_IP, host, hoursAgo, ip, mac, simulatedFleet } from '../../../helpers/server/farm-fleet.ts';

const settings = (over: Partial<FarmSettings> = {}): FarmSettings =>
  farmSettings({
    office: { cidrs: [OFFICE_IP, '2001:db8:100::/48'], gatewayMacs: [], bssids: [] },
    defaultRegion: { countries: ['US'] },
    ...over,
  });
const run = (hosts: HostSnapshot[], over: Partial<FarmSettings> = {}) => evaluateFarms(hosts, settings(over), NOW);
const onMac = (id: string, m: string, over: Partial<HostSnapshot> = {}): HostSnapshot =>
  host(id, { ...over, context: { timezone: 'America/New_York', defaultGatewayMac: m, ...over.context } });

describe('simulated fleet', () => {
  it('finds exactly one critical farm among 500 home workers and a 50-host office', () => {
    const fleet = simulatedFleet();
    const { groups, alerts } = run(fleet.hosts);
    expect(alerts).toHaveLength(1);
    expect(groups).toHaveLength(1);
    const [a] = alerts;
    expect(a.rule).toBe('laptop-farm');
    expect(a.severity).toBe('critical');
    expect(a.subject).toBe('farm:gateway-mac:60:38:e0:11:22:33');
    expect(a.agentIds).toEqual([...fleet.farm].sort());
    expect(a.agentIds.some((id) => fleet.office.includes(id))).toBe(false);
    if (a.explanation.kind !== 'farm') throw new Error('farm explanation expected');
    expect(a.explanation.rules).toEqual(['shared-network', 'shared-public-ip', 'remote-access-in-group']);
    expect(a.explanation.distinctUsers).toBe(6);
    expect(a.explanation.networks.map((n) => `${n.kind}:${n.value}:${n.userCount}`)).toEqual([
      'gateway-mac:60:38:e0:11:22:33:6',
      'public-ip:82.1.2.3:6',
    ]);
    expect(a.explanation.hosts.slice(0, 2).map((h) => h.remoteAccess[0]?.toolName)).toEqual(['AnyDesk', 'AnyDesk']);
    expect(a.explanation.thresholds).toEqual({ windowHours: 24, macHighMin: 2, macCriticalMin: 3, publicIpMin: 3 });
    expect(a.title).toContain('6 hosts of 6 users share gateway MAC 60:38:e0:11:22:33');
  });

  it('the same office without its allow-list entry would be a farm, so the allow-list is what keeps it quiet', () => {
    const fleet = simulatedFleet(0);
    const { alerts } = run(
      fleet.hosts.filter((h) => fleet.office.includes(h.agentId)),
      { office: { cidrs: [], gatewayMacs: [], bssids: [] } },
    );
    expect(alerts.map((a) => a.severity)).toEqual(['critical']);
  });

  it('gives the same subject whatever order the hosts come in', () => {
    const hosts = simulatedFleet(20).hosts;
    expect(run([...hosts].reverse()).alerts[0].subject).toBe(run(hosts).alerts[0].subject);
  });
});

describe('shared gateway MAC / BSSID', () => {
  it('2 users: high; 3 users: critical; hosts of one user do not count twice', () => {
    expect(run([onMac('a', mac(1)), onMac('b', mac(1))]).alerts.map((a) => a.severity)).toEqual(['high']);
    expect(run([onMac('a', mac(1)), onMac('b', mac(1)), onMac('c', mac(1))]).alerts.map((a) => a.severity)).toEqual(['critical']);
    const same = [onMac('a', mac(1), { user: 'CORP\\Alice' }), onMac('b', mac(1), { user: 'alice@corp.example' })];
    expect(run(same).alerts).toEqual([]);
  });

  it('thresholds are settings', () => {
    const hosts = [onMac('a', mac(1)), onMac('b', mac(1)), onMac('c', mac(1))];
    expect(run(hosts, { macHighMin: 3, macCriticalMin: 4 }).alerts.map((a) => a.severity)).toEqual(['high']);
    expect(run(hosts, { macHighMin: 4, macCriticalMin: 4 }).alerts).toEqual([]);
  });

  it('normalises MAC spellings and ignores junk values', () => {
    expect(
      run([onMac('a', 'AA-BB-CC-00-11-22'), onMac('b', 'aabb.cc00.1122'), onMac('c', 'aa:bb:cc:0:11:22')]).groups[0].networks[0].value,
    ).toBe('aa:bb:cc:00:11:22');
    for (const junk of [
      '00:00:00:00:00:00',
      'FF:FF:FF:FF:FF:FF',
      '01:00:5e:00:00:fb',
      '02:00:00:00:00:00',
      '52:54:00:12:35:02',
      'not a mac',
      '',
    ]) {
      expect(run([onMac('a', junk), onMac('b', junk), onMac('c', junk)]).alerts).toEqual([]);
    }
  });

  it('counts a shared Wi-Fi BSSID like a gateway MAC, and one farm sharing both is one group', () => {
    const wifi = (id: string) => host(id, { context: { wifiBssid: 'F0:9F:C2:00:00:01' } });
    expect(run([wifi('a'), wifi('b')]).alerts.map((a) => [a.severity, a.subject])).toEqual([['high', 'farm:wifi-bssid:f0:9f:c2:00:00:01']]);
    const both = (id: string) => host(id, { context: { wifiBssid: 'f0:9f:c2:00:00:01', defaultGatewayMac: mac(9) } });
    const r = run([both('a'), both('b'), both('c')]);
    expect(r.alerts).toHaveLength(1);
    expect(r.groups[0].networks.map((n) => n.kind)).toEqual(['gateway-mac', 'wifi-bssid']);
  });

  it('only counts observations within the window, from the history too', () => {
    const old = [onMac('a', mac(1)), onMac('b', mac(1), { seenAt: hoursAgo(30) })];
    expect(run(old).alerts).toEqual([]);
    const moved = [onMac('a', mac(1)), onMac('b', mac(2), { contextHistory: [{ at: hoursAgo(10), defaultGatewayMac: mac(1) }] })];
    expect(run(moved).alerts.map((a) => a.severity)).toEqual(['high']);
    const movedLongAgo = [onMac('a', mac(1)), onMac('b', mac(2), { contextHistory: [{ at: hoursAgo(25), defaultGatewayMac: mac(1) }] })];
    expect(run(movedLongAgo).alerts).toEqual([]);
    expect(run(old, { windowHours: 48 }).alerts).toHaveLength(1);
  });

  it('allow-listed office gateway MACs and BSSIDs raise nothing', () => {
    const office = { cidrs: [], gatewayMacs: ['00-1A-2B-3C-4D-5E'], bssids: ['f09f.c200.0001'] };
    expect(
      run([onMac('a', '00:1a:2b:3c:4d:5e'), onMac('b', '00:1a:2b:3c:4d:5e'), onMac('c', '00:1a:2b:3c:4d:5e')], { office }).alerts,
    ).toEqual([]);
    const wifi = (id: string) => host(id, { context: { wifiBssid: 'F0:9F:C2:00:00:01' } });
    expect(run([wifi('a'), wifi('b')], { office }).alerts).toEqual([]);
  });
});

describe('shared public IP', () => {
  const at = (id: string, addr: string, over: Partial<HostSnapshot> = {}) => host(id, { publicIp: addr, ...over });

  it('3 hosts: medium; 2: nothing; a finding raises it to high', () => {
    expect(run([at('a', ip(1)), at('b', ip(1))]).alerts).toEqual([]);
    const three = [at('a', ip(1)), at('b', ip(1)), at('c', ip(1))];
    expect(run(three).alerts.map((a) => [a.severity, a.subject])).toEqual([['medium', `farm:public-ip:${ip(1)}`]]);
    three[2].findings = [ANYDESK];
    const r = run(three);
    expect(r.alerts.map((a) => a.severity)).toEqual(['high']);
    expect(r.groups[0].rules).toEqual(['shared-public-ip', 'remote-access-in-group']);
  });

  it('raises a shared-network group one level when the hosts also share the public IP', () => {
    const hosts = [onMac('a', mac(1), { publicIp: ip(1) }), onMac('b', mac(1), { publicIp: ip(1) }), at('c', ip(1))];
    const r = run(hosts);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0].severity).toBe('critical');
    expect(r.groups[0].hostCount).toBe(3);
  });

  it('groups IPv6 hosts by /64 and allow-lists office IPv6 ranges', () => {
    const v6 = [at('a', '2001:DB8:1:2::a'), at('b', '2001:db8:1:2:ffff::1'), at('c', '[2001:db8:1:2::c]')];
    expect(run(v6).groups[0]?.subject).toBe('farm:public-ip:2001:db8:1:2:0:0:0:0/64');
    expect(run(v6, { ipv6PrefixLength: 128 }).alerts).toEqual([]);
    const office = [at('a', '2001:db8:100:1::1'), at('b', '2001:db8:100:2::2'), at('c', '2001:db8:100:3::3')];
    expect(run(office, { ipv6PrefixLength: 32 }).alerts).toEqual([]);
  });

  it('VPN egress IPs are not shared networks, but the gateway behind the VPN still is', () => {
    const vpnEgressIps = ['203.0.113.0/28'];
    expect(run([at('a', '203.0.113.1'), at('b', '203.0.113.1'), at('c', '::ffff:203.0.113.1')], { vpnEgressIps }).alerts).toEqual([]);
    const farm = [onMac('a', mac(5), { publicIp: '203.0.113.1' }), onMac('b', mac(5), { publicIp: '203.0.113.2' })];
    expect(run(farm, { vpnEgressIps }).alerts.map((a) => a.severity)).toEqual(['high']);
  });

  it('ignores loopback, link-local and unparsable addresses', () => {
    for (const addr of ['127.0.0.1', '::1', 'fe80::1%en0', '169.254.1.1', 'garbage', '999.1.1.1']) {
      expect(run([at('a', addr), at('b', addr), at('c', addr)]).alerts).toEqual([]);
    }
  });

  it('lists at most MAX_LISTED hosts in one alert but names every agent', () => {
    const many = Array.from({ length: MAX_LISTED + 50 }, (_, i) => at(`h${String(i).padStart(4, '0')}`, ip(7)));
    const [a] = run(many).alerts;
    if (a.explanation.kind !== 'farm') throw new Error('farm explanation expected');
    expect(a.explanation.hosts).toHaveLength(MAX_LISTED);
    expect(a.explanation.hostCount).toBe(MAX_LISTED + 50);
    expect(a.agentIds).toHaveLength(MAX_LISTED + 50);
  });
});

describe('remote access in a group', () => {
  it('makes a two-user group critical; resolved findings and non-remote categories do not', () => {
    const pair = (f: HostSnapshot['findings']) => [onMac('a', mac(1), { findings: f }), onMac('b', mac(1))];
    expect(run(pair([ANYDESK])).alerts[0].severity).toBe('critical');
    expect(run(pair([{ ...ANYDESK, state: 'resolved' }])).alerts[0].severity).toBe('high');
    expect(run(pair([{ toolId: 'nordvpn', toolName: 'NordVPN', category: 'vpn', severity: 'medium' }])).alerts[0].severity).toBe('high');
    for (const category of ['rmm', 'remote-shell', 'tunnel', 'mesh-vpn', 'ip-kvm'] as const) {
      expect(run(pair([{ toolId: 'x', toolName: 'X', category, severity: 'low' }])).alerts[0].severity).toBe('critical');
    }
  });
});

describe('region', () => {
  const regions = (over: Partial<HostSnapshot['context']>, user = 'alice@corp.example', s: Partial<FarmSettings> = {}) =>
    run([host('a', { user, context: { ...over } })], { defaultRegion: undefined, expectedRegions: { alice: { countries: ['US'] } }, ...s })
      .alerts;

  it('Asia/Pyongyang and DPRK locales are critical for everyone, with or without an expected region', () => {
    for (const ctx of [
      { timezone: 'Asia/Pyongyang' },
      { timezone: 'North Korea Standard Time' },
      { locale: 'ko_KP.UTF-8' },
      { locale: 'ko-KP' },
    ]) {
      const a = regions(ctx, 'nobody-in-csv');
      expect(a.map((x) => [x.rule, x.severity, x.subject])).toEqual([['region-mismatch', 'critical', 'region:a']]);
      if (a[0].explanation.kind !== 'region') throw new Error('region explanation expected');
      expect(a[0].explanation.mismatches[0].always).toBe(true);
    }
  });

  it('a Korean input method alone is not an alert without an expected region, and is one outside it', () => {
    expect(regions({ inputMethods: ['ibus:hangul'] }, 'nobody-in-csv')).toEqual([]);
    for (const im of [
      'ibus:hangul',
      'com.apple.inputmethod.Korean.2SetKorean',
      '0412:{A028AE76-01B1-46C2-99C4-ACD9858AE02F}{B5FE1F02-D5F2-4445-9C03-C568F23C99A1}',
      'fcitx5:hangul',
    ]) {
      expect(regions({ inputMethods: [im] }).map((x) => x.severity)).toEqual(['medium']);
    }
    expect(
      run([host('a', { user: 'kim', context: { inputMethods: ['ibus:hangul'], timezone: 'Asia/Seoul', locale: 'ko_KR.UTF-8' } })], {
        expectedRegions: { kim: { countries: ['KR'] } },
      }).alerts,
    ).toEqual([]);
  });

  it("a time zone outside the user's countries is high, aliases and Windows IDs resolve, several fields raise it", () => {
    expect(regions({ timezone: 'Asia/Shanghai' }).map((x) => x.severity)).toEqual(['high']);
    expect(regions({ timezone: 'US/Eastern' })).toEqual([]);
    expect(regions({ timezone: 'Eastern Standard Time' })).toEqual([]);
    expect(regions({ timezone: 'China Standard Time' }).map((x) => x.severity)).toEqual(['high']);
    expect(regions({ timezone: 'UTC' })).toEqual([]);
    const a = regions({ timezone: 'Asia/Shanghai', locale: 'zh_CN.UTF-8', inputMethods: ['ibus:libpinyin'] });
    expect(a.map((x) => x.severity)).toEqual(['critical']);
    if (a[0].explanation.kind !== 'region') throw new Error('region explanation expected');
    expect(a[0].explanation.mismatches.map((m) => [m.field, m.country])).toEqual([
      ['timezone', 'CN'],
      ['locale', 'CN'],
      ['input-method', undefined],
    ]);
  });

  it('matches listed time zones exactly, locale countries, and the company default', () => {
    const tzOnly = { expectedRegions: { alice: { timezones: ['Europe/Berlin'] } } };
    expect(regions({ timezone: 'Europe/Berlin' }, 'alice', tzOnly)).toEqual([]);
    expect(regions({ timezone: 'Europe/Paris' }, 'alice', tzOnly).map((x) => x.severity)).toEqual(['high']);
    expect(regions({ locale: 'en_GB.UTF-8' }).map((x) => x.severity)).toEqual(['medium']);
    expect(regions({ locale: 'C' })).toEqual([]);
    expect(run([host('a', { user: 'zed', context: { timezone: 'Europe/Moscow' } })]).alerts.map((x) => x.severity)).toEqual(['high']);
  });
});

describe('hostile snapshots', () => {
  it('never throws on garbage fields', () => {
    const junk = [
      host('a', { seenAt: 'yesterday' }),
      host('b', {
        context: {
          defaultGatewayMac: 42 as unknown as string,
          inputMethods: 'x' as unknown as string[],
          timezone: {} as unknown as string,
        },
      }),
      host('c', { contextHistory: [null as unknown as never, { at: 'nope' }], publicIp: '1.2.3.4\r\nX: y' }),
      host('d', { findings: undefined as unknown as [], user: undefined }),
    ];
    expect(() => run(junk)).not.toThrow();
  });
});
