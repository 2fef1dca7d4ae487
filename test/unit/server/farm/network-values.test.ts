import { describe, expect, it } from 'vitest';
import { evaluateFarms, farmSettings } from '../../../../server/farm/index.ts';
import { IpRanges, parseIpRange } from '../../../../server/farm/net.ts';
import type { FarmSettings, HostSnapshot } from '../../../../server/farm/types.ts';
import { NOW, host } from '../../../helpers/server/farm-fleet.ts';

// How the network values agents report become the shared network an alert names (its subject and
// evidence), which values tie hosts together and which prove nothing, and how office and VPN ranges
// in the settings are read. Three hosts of three users report the values; the alert shows the result.

const run = (hosts: HostSnapshot[], over: Partial<FarmSettings> = {}) => evaluateFarms(hosts, farmSettings(over), NOW);
const three = (ctx: (i: number) => Partial<HostSnapshot>) => [0, 1, 2].map((i) => host(`h${i}`, ctx(i)));
/** The subject of the one alert raised when three hosts report these public addresses, or undefined. */
const ipSubject = (addrs: string[], over: Partial<FarmSettings> = {}): string | undefined => {
  const { alerts } = run(
    three((i) => ({ publicIp: addrs[i % addrs.length] })),
    over,
  );
  if (alerts.length > 1) throw new Error(`expected at most one alert, got ${alerts.length}`);
  return alerts[0]?.subject;
};
const macSubject = (macs: string[], field: 'defaultGatewayMac' | 'wifiBssid' = 'defaultGatewayMac'): string | undefined =>
  run(
    three((i) => ({ context: { [field]: macs[i % macs.length] } })),
    {},
  ).alerts[0]?.subject;

describe('MAC addresses', () => {
  it('reads every common spelling as one network', () => {
    expect(macSubject(['AABBCC001122', ' aa:bb:cc:00:11:22 ', 'aabb.cc00.1122'])).toBe('farm:gateway-mac:aa:bb:cc:00:11:22');
    expect(macSubject(['aabb.cc00.1122'], 'wifiBssid')).toBe('farm:wifi-bssid:aa:bb:cc:00:11:22');
  });

  it('keeps locally administered addresses (virtual BSSIDs) but not group addresses or placeholders', () => {
    expect(macSubject(['02:11:22:33:44:55'])).toBe('farm:gateway-mac:02:11:22:33:44:55');
    expect(macSubject(['06:11:22:33:44:55'], 'wifiBssid')).toBe('farm:wifi-bssid:06:11:22:33:44:55');
    for (const v of ['03:11:22:33:44:55', '33:33:00:00:00:01', '02:00:00:00:00:00', '52:54:00:12:35:02', '52:54:00:12:35:03']) {
      expect(macSubject([v])).toBe(v === '52:54:00:12:35:03' ? 'farm:gateway-mac:52:54:00:12:35:03' : undefined);
    }
  });

  it('reads a value of up to 64 characters', () => {
    expect(macSubject([`${' '.repeat(47)}aa:bb:cc:00:11:22`])).toBe('farm:gateway-mac:aa:bb:cc:00:11:22');
    expect(ipSubject([`${' '.repeat(56)}81.2.3.4`])).toBe('farm:public-ip:81.2.3.4');
    expect(ipSubject([`${' '.repeat(57)}81.2.3.4`])).toBeUndefined();
  });

  it('ignores values that are not one MAC: too long, 11 or 13 digits, other separators', () => {
    for (const v of [
      `aa:bb:cc:00:11:22${' '.repeat(60)}`,
      'aabbcc00112',
      'aabbcc0011223',
      'aabb.cc00.112',
      'xaabbcc001122',
      'aabbcc001122x',
    ]) {
      expect(macSubject([v])).toBeUndefined();
    }
  });
});

describe('public IP addresses', () => {
  it('shows IPv4 as it is, a mapped IPv4 as IPv4, IPv6 in one lower-case spelling', () => {
    expect(ipSubject([' 81.2.3.4 ', '::FFFF:81.2.3.4', '[::ffff:81.2.3.4]'])).toBe('farm:public-ip:81.2.3.4');
    expect(ipSubject(['2001:DB8:A:B:1::1', '2001:db8:a:b::2', '2001:db8:a:b::3%eth0'])).toBe('farm:public-ip:2001:db8:a:b:0:0:0:0/64');
  });

  it('expands IPv6 with an embedded IPv4 tail and :: anywhere', () => {
    expect(ipSubject(['64:ff9b::81.2.3.4'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:64:ff9b:0:0:0:0:5102:304/128');
    expect(ipSubject(['2001:db8:1:2:3:4:81.2.3.4'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:2001:db8:1:2:3:4:5102:304/128');
    expect(ipSubject(['::2:3:4:5:6:7:8'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:0:2:3:4:5:6:7:8/128');
    expect(ipSubject(['2001:db8::'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:2001:db8:0:0:0:0:0:0/128');
    expect(ipSubject(['2001:db8:1:2:3:4:5:6'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:2001:db8:1:2:3:4:5:6/128');
    expect(ipSubject(['2001:db8::7:8'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:2001:db8:0:0:0:0:7:8/128');
  });

  it('keys IPv6 by the configured prefix, cutting inside a group too', () => {
    const addrs = ['2001:db8:1:2ff::1', '2001:db8:1:2aa:5::1', '2001:db8:1:200::7'];
    expect(ipSubject(addrs, { ipv6PrefixLength: 56 })).toBe('farm:public-ip:2001:db8:1:200:0:0:0:0/56');
    expect(ipSubject(addrs, { ipv6PrefixLength: 56.9 })).toBe('farm:public-ip:2001:db8:1:200:0:0:0:0/56');
    expect(ipSubject(addrs, { ipv6PrefixLength: 64 })).toBeUndefined();
    expect(ipSubject(['2001:db8:1::1', '2001:db8:1:ffff::1', '2001:db8:1:8000::1'], { ipv6PrefixLength: 48 })).toBe(
      'farm:public-ip:2001:db8:1:0:0:0:0:0/48',
    );
    expect(ipSubject(['2001:db8:1::1', '2001:db9:1::1', '2001:dbf::1'], { ipv6PrefixLength: 29 })).toBe(
      'farm:public-ip:2001:db8:0:0:0:0:0:0/29',
    );
    expect(ipSubject(['2001:db8::1', '3fff::1', '2abc::1'], { ipv6PrefixLength: 1 })).toBe('farm:public-ip:0:0:0:0:0:0:0:0/1');
  });

  it('ties nothing to addresses that say nothing about where a laptop is', () => {
    for (const v of [
      '0.0.0.0',
      '0.1.2.3',
      '127.8.9.10',
      '169.254.7.7',
      '::',
      '::1',
      '0:0:0:0:0:0:0:1',
      'fe80::1',
      'fe9f::1',
      'feaf::1',
      'febf::1',
    ]) {
      expect(ipSubject([v], { ipv6PrefixLength: 128 })).toBeUndefined();
    }
    for (const v of ['81.127.0.1', '81.0.0.1', '81.169.254.1', '1.0.0.1', 'fec0::1', '2001:db8::fe80:1', '::2']) {
      expect(ipSubject([v], { ipv6PrefixLength: 128 })).toBeDefined();
    }
  });

  it('ignores values that are no address or absurdly long', () => {
    for (const v of ['81.2.3', '81.2.3.4.5', `${' '.repeat(60)}81.2.3.4`, '81.2.3.4/24', 'example.com']) {
      expect(ipSubject([v])).toBeUndefined();
    }
  });
});

describe('office and VPN ranges', () => {
  const at = (addrs: string[]) => three((i) => ({ publicIp: addrs[i % addrs.length] }));
  const quiet = (addrs: string[], cidrs: string[]) =>
    run(at(addrs), { office: { cidrs, gatewayMacs: [], bssids: [] } }).alerts.length === 0;

  it('a bare address is a /32 or /128, a CIDR covers its range and no more', () => {
    expect(quiet(['81.2.3.4'], ['81.2.3.4'])).toBe(true);
    expect(quiet(['81.2.3.5'], ['81.2.3.4'])).toBe(false);
    expect(quiet(['81.2.3.255'], ['81.2.3.0/24'])).toBe(true);
    expect(quiet(['81.2.4.0'], ['81.2.3.0/24'])).toBe(false);
    expect(quiet(['2001:db8::1'], ['2001:db8::1'])).toBe(true);
    expect(quiet(['2001:db8::1'], ['2001:db8::2'])).toBe(false);
    expect(quiet(['81.2.3.4'], [' 81.0.0.0/8 '])).toBe(true);
    expect(quiet(['2001:db8::1'], ['81.0.0.0/8'])).toBe(false);
    expect(quiet(['2001:db8::1'], ['2001::/16'])).toBe(true);
    expect(quiet(['2001:db8::1'], ['2001:db8::/128'])).toBe(false);
  });

  it('an IPv6 range matches IPv6 addresses only, an IPv4 range IPv4 addresses only (node alone maps IPv4 into ::ffff:0:0/96)', () => {
    for (const v6 of ['::/16', '::/80', '::ffff:0:0/96', '::ffff:5102:0/112']) {
      expect(quiet(['81.2.3.4'], [v6]), v6).toBe(false);
      expect(new IpRanges([v6], 'x').has('81.2.3.4'), v6).toBe(false);
    }
    expect(new IpRanges(['::/16'], 'x').has('0:0:0:0:0:ffff:5102:304')).toBe(true); // an IPv6 address in it still is
    // a host reporting the mapped spelling is an IPv4 host: IPv4 ranges match it, IPv6 ones do not
    expect(quiet(['::ffff:81.2.3.4'], ['81.2.3.0/24'])).toBe(true);
    expect(quiet(['::ffff:81.2.3.4'], ['::ffff:0:0/96'])).toBe(false);
    expect(new IpRanges(['81.2.3.0/24'], 'x').has('2001:db8::1')).toBe(false);
  });

  it('refuses ranges wider than any one organisation holds: 0.0.0.0/0, ::/0 and anything wider than /8 or /16', () => {
    const office = (cidrs: string[]) => () => farmSettings({ office: { cidrs, gatewayMacs: [], bssids: [] } });
    expect(office(['0.0.0.0/0'])).toThrow('farm.office.cidrs: "0.0.0.0/0" is wider than /8: it would allow-list every IPv4 address');
    expect(office(['::/0'])).toThrow('farm.office.cidrs: "::/0" is wider than /16: it would allow-list every IPv6 address');
    expect(office(['10.0.0.0/7'])).toThrow('"10.0.0.0/7" is wider than /8: it would allow-list more than any one organisation holds');
    expect(office(['2001::/15'])).toThrow('"2001::/15" is wider than /16');
    expect(() => farmSettings({ vpnEgressIps: ['::/0'] })).toThrow('farm.vpnEgressIps: "::/0" is wider than /16');
    expect(office(['10.0.0.0/8', '2001::/16'])).not.toThrow();
    expect(parseIpRange('\u001b[31m10.0.0.0/x')).toEqual({ error: '"\\x1b[31m10.0.0.0/x" is not an IP address or CIDR' });
  });

  it('refuses entries that are not an address or CIDR, or whose prefix is bad, naming the setting and the entry', () => {
    const office = (cidrs: string[]) => () => farmSettings({ office: { cidrs, gatewayMacs: [], bssids: [] } });
    for (const bad of ['10.0.0.0/24/8', 'ten', '', `${'1'.repeat(100)}`]) {
      expect(office([bad])).toThrow(`farm.office.cidrs: "${bad.slice(0, 80)}" is not an IP address or CIDR`);
    }
    for (const bad of [
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0.0/',
      '10.0.0.0/1e1',
      '10.0.0.0/-1',
      '10.0.0.0/8.0',
      '10.0.0.0/ 8',
      '10.0.0.0/x',
    ]) {
      expect(office([bad])).toThrow(`farm.office.cidrs: "${bad}" has a bad prefix length`);
    }
    expect(office(['10.0.0.0/32', '2001:db8::/128', '10.0.0.0/8'])).not.toThrow();
    expect(() => farmSettings({ vpnEgressIps: ['10.0.0.0/33'] })).toThrow('farm.vpnEgressIps: "10.0.0.0/33" has a bad prefix length');
  });

  it('no ranges allow-list nothing', () => {
    expect(quiet(['81.2.3.4'], [])).toBe(false);
  });
});

describe('settings', () => {
  it('accepts each bound and refuses one past it, naming the setting', () => {
    for (const [k, min, max] of [
      ['windowHours', 1 / 60, 24 * 366],
      ['macHighMin', 2, 1_000_000],
      ['macCriticalMin', 2, 1_000_000],
      ['publicIpMin', 2, 1_000_000],
      ['ipv6PrefixLength', 1, 128],
    ] as const) {
      const ok = (v: number) => () => farmSettings({ [k]: v, ...(k === 'macHighMin' ? { macCriticalMin: 1_000_000 } : {}) });
      expect(ok(min)).not.toThrow();
      expect(ok(max)).not.toThrow();
      const msg = `farm.${k} must be a number from ${min} to ${max}`;
      expect(ok(min - 0.001)).toThrow(msg);
      expect(ok(max + 0.001)).toThrow(msg);
      expect(ok(Number.NaN)).toThrow(msg);
      expect(() => farmSettings({ [k]: String(min) as unknown as number })).toThrow(msg);
    }
    expect(() => farmSettings({ macHighMin: 3, macCriticalMin: 3 })).not.toThrow();
    expect(() => farmSettings({ office: { cidrs: [], gatewayMacs: [], bssids: ['ff:ff:ff:ff:ff:ff'] } })).toThrow(
      'farm.office.bssids: "ff:ff:ff:ff:ff:ff" is not a usable MAC address',
    );
    expect(farmSettings({ office: { cidrs: ['10.0.0.0/8'] } as FarmSettings['office'] }).office).toEqual({
      cidrs: ['10.0.0.0/8'],
      gatewayMacs: [],
      bssids: [],
    });
  });
});

// Three hosts reporting three spellings still make a group when one spelling is misread (two are
// enough), so each spelling is also checked alone: all three hosts report it.
describe('each spelling on its own', () => {
  it('MAC: bare, dotted and dashed, any case, surrounded by spaces', () => {
    for (const m of ['AABBCC001122', ' aabbcc001122 ', 'AABB.CC00.1122', ' aabb.cc00.1122 ', 'AA-BB-CC-00-11-22']) {
      expect(macSubject([m]), m).toBe('farm:gateway-mac:aa:bb:cc:00:11:22');
    }
    // a digit too many before or after a dotted spelling is no MAC, not a shifted one
    for (const m of ['aaabb.cc00.1122', 'aabb.cc00.11223']) expect(macSubject([m]), m).toBeUndefined();
  });

  it('IP: mapped IPv4 with its zone, brackets only around a whole address, "::ffff:" only at the start', () => {
    for (const a of [' 81.20.30.40 ', '::FFFF:81.20.30.40', '[::ffff:81.20.30.40]', '::ffff:81.20.30.40%eth0']) {
      expect(ipSubject([a]), a).toBe('farm:public-ip:81.20.30.40');
    }
    expect(ipSubject(['[2001:db8::1]'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:2001:db8:0:0:0:0:0:1/128');
    for (const a of ['81.2.3.4]', '[2001:db8::1', '2001:db8::1]', '::ffff:81.20.30.40:1', '::ffff:81.20.30.40.5']) {
      expect(ipSubject([a], { ipv6PrefixLength: 128 }), a).toBeUndefined();
    }
    expect(ipSubject(['1::ffff:81.20.30.40'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:1:0:0:0:0:ffff:5114:1e28/128');
    expect(ipSubject(['64:ff9b::81.20.30.40'], { ipv6PrefixLength: 128 })).toBe('farm:public-ip:64:ff9b:0:0:0:0:5114:1e28/128');
  });
});
