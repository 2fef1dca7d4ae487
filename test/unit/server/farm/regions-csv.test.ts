import { describe, expect, it } from 'vitest';
import { evaluateFarms, farmSettings, parseRegionsCsv } from '../../../../server/farm/index.ts';
import { NOW, host } from '../../../helpers/server/farm-fleet.ts';

describe('expected-region CSV', () => {
  it('reads users, countries and time zones (IANA and Windows IDs), keyed like host users', () => {
    const { regions, errors } = parseRegionsCsv(
      [
        '\uFEFFuser,countries,timezones',
        '# contractors',
        'alice@corp.example,US;ca,America/New_York;America/Toronto',
        '"CORP\\Bob",DE,',
        'carol,,"Eastern Standard Time;Pacific Standard Time"',
        '',
      ].join('\r\n'),
    );
    expect(errors).toEqual([]);
    expect(Object.fromEntries(regions)).toEqual({
      alice: { countries: ['US', 'CA'], timezones: ['America/New_York', 'America/Toronto'] },
      bob: { countries: ['DE'] },
      carol: { timezones: ['Eastern Standard Time', 'Pacific Standard Time'] },
    });
    const r = evaluateFarms(
      [host('b', { user: 'bob@corp.example', context: { timezone: 'Asia/Shanghai' } })],
      farmSettings({ expectedRegions: regions }),
      NOW,
    );
    expect(r.alerts.map((a) => a.severity)).toEqual(['high']);
  });

  it('gives one line per bad row, names file and line, and keeps the good rows', () => {
    const { regions, errors } = parseRegionsCsv(
      [
        'user,countries,timezones',
        'ok,US,',
        'usa,USA,',
        'tz,US,Mars/Olympus_Mons',
        ',US,',
        'empty,,',
        'ok,FR,',
        '"open,US,',
        'a,b,c,d',
        `evil,"${'\u001b[2J'.repeat(40)}",`,
      ].join('\n'),
      'users.csv',
    );
    expect([...regions.keys()]).toEqual(['ok']);
    expect(errors).toHaveLength(8);
    expect(errors[0]).toBe('users.csv:3: country "USA" is not an ISO 3166 two-letter code');
    expect(errors[1]).toBe('users.csv:4: time zone "Mars/Olympus_Mons" is not an IANA name or Windows ID');
    expect(errors[2]).toBe('users.csv:5: no user');
    expect(errors[3]).toBe('users.csv:6: user "empty" has neither countries nor time zones');
    expect(errors[4]).toBe('users.csv:7: user "ok" already has a row');
    expect(errors[5]).toBe('users.csv:8: a quoted cell is not closed');
    expect(errors[6]).toBe('users.csv:9: 4 cells, expected user,countries,timezones');
    for (const e of errors) expect(e).not.toMatch(/[\n\r\u001b]/);
    expect(errors[7].length).toBeLessThan(140);
  });
});

describe('farm settings', () => {
  it('fills defaults and rejects bad values in one line', () => {
    expect(farmSettings()).toMatchObject({ windowHours: 24, macHighMin: 2, macCriticalMin: 3, publicIpMin: 3, ipv6PrefixLength: 64 });
    expect(() => farmSettings({ macHighMin: 1 })).toThrow('farm.macHighMin must be a number from 2 to 1000000');
    expect(() => farmSettings({ macHighMin: 4, macCriticalMin: 3 })).toThrow('farm.macCriticalMin must not be below farm.macHighMin');
    expect(() => farmSettings({ office: { cidrs: ['10.0.0.0/33'], gatewayMacs: [], bssids: [] } })).toThrow(
      'farm.office.cidrs: "10.0.0.0/33" has a bad prefix length',
    );
    expect(() => farmSettings({ vpnEgressIps: ['vpn.corp.example'] })).toThrow(
      'farm.vpnEgressIps: "vpn.corp.example" is not an IP address or CIDR',
    );
    expect(() => farmSettings({ office: { cidrs: [], gatewayMacs: ['00:00:00:00:00:00'], bssids: [] } })).toThrow(
      'farm.office.gatewayMacs: "00:00:00:00:00:00" is not a usable MAC address',
    );
  });
});

describe('expected-region CSV rows', () => {
  const one = (line: string) => parseRegionsCsv(line, 'u.csv');

  it('splits countries on ";" or spaces and zones on ";" (and spaces between IANA names), each once', () => {
    expect(Object.fromEntries(one('a,US CA;us;; DE ,Europe/Berlin Europe/Paris;Europe/Berlin;;').regions)).toEqual({
      a: { countries: ['US', 'CA', 'DE'], timezones: ['Europe/Berlin', 'Europe/Paris'] },
    });
    expect(Object.fromEntries(one('a,,UTC;Etc/GMT+5;US/Eastern;Tokyo Standard Time').regions)).toEqual({
      a: { timezones: ['UTC', 'Etc/GMT+5', 'US/Eastern', 'Tokyo Standard Time'] },
    });
    expect(Object.fromEntries(one('a,US').regions)).toEqual({ a: { countries: ['US'] } });
    expect(Object.fromEntries(one('a,,UTC;  Tokyo Standard Time ;Europe/Berlin  Europe/Paris').regions)).toEqual({
      a: { timezones: ['UTC', 'Tokyo Standard Time', 'Europe/Berlin', 'Europe/Paris'] },
    });
  });

  it('takes only the first line as a header, in any case, and a file without one', () => {
    expect([...parseRegionsCsv('USER,Countries,TimeZones\nalice,US,').regions.keys()]).toEqual(['alice']);
    expect([...parseRegionsCsv('alice,US,\nbob,DE,').regions.keys()]).toEqual(['alice', 'bob']);
    const { regions, errors } = parseRegionsCsv('alice,US,\nuser,countries,timezones');
    expect([...regions.keys()]).toEqual(['alice']);
    expect(errors).toEqual(['regions.csv:2: country "COUNTRIES" is not an ISO 3166 two-letter code']);
    expect(parseRegionsCsv('# who works where\nuser,countries,timezones\nalice,US,').errors).toEqual([]);
    // a user named "user" right after the header is a user
    expect(Object.fromEntries(parseRegionsCsv('user,countries,timezones\nuser,US,').regions)).toEqual({ user: { countries: ['US'] } });
  });

  it('quotes and shortens a long bad value in its message', () => {
    expect(one(`a,${'x'.repeat(100)},`).errors).toEqual([`u.csv:1: country "${'X'.repeat(63)}..." is not an ISO 3166 two-letter code`]);
    expect(one(`a,${'x'.repeat(68)},`).errors).toEqual([`u.csv:1: country "${'X'.repeat(68)}" is not an ISO 3166 two-letter code`]);
    expect(one(`a,${'x'.repeat(69)},`).errors).toEqual([`u.csv:1: country "${'X'.repeat(63)}..." is not an ISO 3166 two-letter code`]);
    expect(one('a,U1,').errors).toEqual(['u.csv:1: country "U1" is not an ISO 3166 two-letter code']);
    expect(one('a,US,Europe/Nowhere').errors).toEqual(['u.csv:1: time zone "Europe/Nowhere" is not an IANA name or Windows ID']);
  });

  it('takes three cells, or fewer', () => {
    expect(one('a,US,UTC').errors).toEqual([]);
    expect(one('a,US,UTC,').errors).toEqual(['u.csv:1: 4 cells, expected user,countries,timezones']);
    expect(one('a').errors).toEqual(['u.csv:1: user "a" has neither countries nor time zones']);
  });

  it('refuses a file of more than a million lines as a whole, in one line', () => {
    const { regions, errors } = parseRegionsCsv(`user,countries,timezones\n${'a,US,\n'.repeat(1_000_000)}`, 'big.csv');
    expect(regions.size).toBe(0);
    expect(errors).toEqual(['big.csv: 1000002 lines, more than the 1000000 allowed']);
    expect(parseRegionsCsv('\n'.repeat(999_999)).errors).toEqual([]);
  });
});
