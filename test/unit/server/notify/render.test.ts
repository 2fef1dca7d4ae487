import { describe, expect, it } from 'vitest';
import { evaluateFarms, farmSettings } from '../../../../server/farm/index.ts';
import type { AlertDraft, HostSnapshot } from '../../../../server/farm/types.ts';
import type { NotifyAlert } from '../../../../server/notify/index.ts';
import { evidenceLines, isCoreAlert, plainLine, subjectLine } from '../../../../server/notify/render.ts';
import { ANYDESK, NOW, host, ip, mac } from '../../../helpers/server/farm-fleet.ts';

// The evidence lines are what Slack and email show people (slack.ts and email.ts put them in verbatim,
// escaped for their own syntax), so each test reads the lines as a person would.

const alertOf = (d: AlertDraft): NotifyAlert => ({ ...d, id: 'alert-7' });
const farm = (hosts: HostSnapshot[]): NotifyAlert => {
  const { alerts } = evaluateFarms(hosts, farmSettings(), NOW);
  if (alerts.length !== 1) throw new Error(`expected one alert, got ${alerts.length}`);
  return alertOf(alerts[0]);
};
const onNet = (id: string, over: Partial<HostSnapshot> = {}) =>
  host(id, { publicIp: ip(1), context: { defaultGatewayMac: mac(1) }, ...over });
const NGROK = { toolId: 'ngrok', toolName: 'ngrok', category: 'tunnel', severity: 'high' } as const;

describe('one-line values', () => {
  it('turns every run of control characters into one space and trims', () => {
    expect(plainLine(' a\r\n\tb\u0000c\u001fd\u007fe\u009ff\u2028g\u2029h ')).toBe('a b c d e f g h');
    expect(plainLine('~ \u00a0é')).toBe('~ \u00a0é');
    expect(plainLine('invoice\u202egnp.exe\u200b\u2066x\ufeff')).toBe('invoice gnp.exe x');
    expect(plainLine(undefined)).toBe('');
    expect(plainLine(null)).toBe('');
    expect(plainLine(42)).toBe('42');
  });

  it('cuts at the limit with an ellipsis, 200 characters by default', () => {
    expect(plainLine('x'.repeat(200))).toBe('x'.repeat(200));
    expect(plainLine('x'.repeat(201))).toBe(`${'x'.repeat(199)}…`);
    expect(plainLine('abcdef', 6)).toBe('abcdef');
    expect(plainLine('abcdefg', 6)).toBe('abcde…');
  });

  it('subject line: severity in capitals, rule and title, bounded to 250 characters', () => {
    const a = farm([onNet('a'), onNet('b'), onNet('c')]);
    expect(subjectLine(a)).toBe(
      '[ratwatch] CRITICAL laptop-farm: Possible laptop farm: 3 hosts of 3 users share gateway MAC a4:83:e7:00:00:01 (+1 more shared network)',
    );
    const long = subjectLine({ ...a, title: `evil\r\nBcc: x@evil.example ${'y'.repeat(400)}` });
    expect(long).toHaveLength(250);
    expect(long.startsWith('[ratwatch] CRITICAL laptop-farm: evil Bcc: x@evil.example yyy')).toBe(true);
    expect(long.endsWith('y…')).toBe(true);
  });
});

describe('farm alert evidence', () => {
  it('names the rules, the hosts and users, each shared network, the thresholds and each host with its tools', () => {
    const a = farm([onNet('b'), onNet('a', { findings: [ANYDESK, NGROK] }), onNet('c', { user: undefined })]);
    expect(evidenceLines(a)).toEqual([
      'Rules met: shared-network, shared-public-ip, remote-access-in-group',
      '3 hosts, 3 distinct users, seen 2026-05-31T12:00:00.000Z to 2026-06-01T12:00:00.000Z',
      'Shared gateway-mac a4:83:e7:00:00:01: 3 hosts, 3 users',
      'Shared public-ip 81.0.0.1: 3 hosts, 3 users',
      'Thresholds: 2+ users high, 3+ critical, 3+ hosts per public IP, window 24 h',
      'Host a-laptop user a@corp.example: AnyDesk (remote-desktop), ngrok (tunnel)',
      'Host b-laptop user b@corp.example',
      'Host c-laptop',
    ]);
  });

  it('agent-supplied host names and users stay on one line each and are bounded', () => {
    const a = farm([onNet('a', { hostname: `evil\r\nhost${'h'.repeat(200)}`, user: `u\n${'v'.repeat(200)}` }), onNet('b'), onNet('c')]);
    const line = evidenceLines(a).find((l) => l.startsWith('Host evil'))!;
    expect(line).toBe(`Host evil host${'h'.repeat(70)}… user u ${'v'.repeat(77)}…`);
  });

  it('lists 10 networks and 20 hosts at most, and says how many more hosts there are', () => {
    // a chain of 12 hosts, each sharing a gateway with the next: one group over 11 networks
    const chain = Array.from({ length: 12 }, (_, i) =>
      host(`h${String(i).padStart(2, '0')}`, {
        context: { defaultGatewayMac: mac(100 + i) },
        contextHistory: i ? [{ at: NOW.toISOString(), defaultGatewayMac: mac(99 + i) }] : [],
      }),
    );
    const lines = evidenceLines(farm(chain));
    expect(lines.filter((l) => l.startsWith('Shared '))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('Host '))).toHaveLength(12);
    expect(lines.some((l) => l.startsWith('…'))).toBe(false);

    const many = (n: number) => Array.from({ length: n }, (_, i) => host(`p${String(i).padStart(2, '0')}`, { publicIp: ip(5) }));
    const twenty = evidenceLines(farm(many(20)));
    expect(twenty.filter((l) => l.startsWith('Host '))).toHaveLength(20);
    expect(twenty.at(-1)).toBe('Host p19-laptop user p19@corp.example');
    const more = evidenceLines(farm(many(23)));
    expect(more.filter((l) => l.startsWith('Host '))).toHaveLength(20);
    expect(more.at(-1)).toBe('… and 3 more hosts');
  });

  it('bounds a shared value an agent made up', () => {
    const [d] = evaluateFarms([onNet('a'), onNet('b'), onNet('c')], farmSettings(), NOW).alerts;
    if (d.explanation.kind !== 'farm') throw new Error('farm explanation expected');
    d.explanation.networks[0].value = `x\n${'y'.repeat(100)}`;
    expect(evidenceLines(alertOf(d))[2]).toBe(`Shared gateway-mac x ${'y'.repeat(57)}…: 3 hosts, 3 users`);
  });
});

describe('region alert evidence', () => {
  const region = (h: HostSnapshot, expectedRegions = {}) => {
    const { alerts } = evaluateFarms([h], farmSettings({ expectedRegions }), NOW);
    return alertOf(alerts[0]);
  };

  it('names the host and user, each value with its country and what was expected', () => {
    const a = region(
      host('a', {
        user: 'alice@corp.example',
        context: { timezone: 'Asia/Shanghai', locale: 'zh_CN.UTF-8', inputMethods: ['ibus:libpinyin'] },
      }),
      { alice: { countries: ['US', 'CA'], timezones: ['America/New_York', 'America/Toronto'] } },
    );
    expect(evidenceLines(a)).toEqual([
      'Host a-laptop user alice@corp.example',
      'timezone Asia/Shanghai (CN): expected US/CA, America/New_York/America/Toronto',
      'locale zh_CN.UTF-8 (CN): expected US/CA, America/New_York/America/Toronto',
      'input-method ibus:libpinyin: expected US/CA, America/New_York/America/Toronto',
    ]);
  });

  it('says a DPRK value is critical for every user, and works without a user', () => {
    const a = region(host('k', { user: undefined, context: { timezone: 'Asia/Pyongyang' } }));
    expect(evidenceLines(a)).toEqual(['Host k-laptop', 'timezone Asia/Pyongyang (KP): critical for every user']);
  });

  it('lists only countries or only time zones when only those are set, and "nothing set" when neither is', () => {
    const zonesOnly = region(host('a', { user: 'alice', context: { timezone: 'Europe/Paris' } }), {
      alice: { timezones: ['Europe/Berlin'] },
    });
    expect(evidenceLines(zonesOnly)[1]).toBe('timezone Europe/Paris (FR): expected Europe/Berlin');
    const countriesOnly = region(host('a', { user: 'alice', context: { timezone: 'Europe/Paris' } }), { alice: { countries: ['DE'] } });
    expect(evidenceLines(countriesOnly)[1]).toBe('timezone Europe/Paris (FR): expected DE');
    const e = countriesOnly.explanation as Extract<AlertDraft['explanation'], { kind: 'region' }>;
    e.mismatches[0].expected = {};
    expect(evidenceLines(countriesOnly)[1]).toBe('timezone Europe/Paris (FR): expected nothing set');
  });

  it('lists 20 values at most, each bounded to one line', () => {
    const ims = Array.from({ length: 25 }, (_, i) => `ibus:hangul-${i}\n${'z'.repeat(100)}`);
    const lines = evidenceLines(region(host('a', { user: 'alice', context: { inputMethods: ims } }), { alice: { countries: ['US'] } }));
    expect(lines).toHaveLength(21);
    expect(lines[1]).toBe(`input-method ibus:hangul-0 ${'z'.repeat(65)}…: expected US`);
  });
});

describe('liveness and tamper alert evidence', () => {
  const core = (explanation: Record<string, unknown>, agentIds = ['agent-1']): NotifyAlert => ({
    rule: 'sequence-gap',
    subject: 'agent-1',
    severity: 'medium',
    title: 'reports 4-6 of pc-1 never arrived',
    explanation: { kind: 'sequence-gap', ...explanation },
    agentIds,
    id: 'alert-9',
  });

  it('tells core alerts from farm and region alerts by their rule', () => {
    expect(isCoreAlert(core({}))).toBe(true);
    expect(isCoreAlert(farm([onNet('a'), onNet('b'), onNet('c')]))).toBe(false);
    const r = evaluateFarms([host('k', { context: { timezone: 'Asia/Pyongyang' } })], farmSettings(), NOW).alerts[0];
    expect(isCoreAlert(alertOf(r))).toBe(false);
  });

  it('shows the host, the agents, and every detail but the kind, objects as JSON and nulls as nothing', () => {
    expect(
      evidenceLines(core({ hostname: 'pc-1\r\n', missingFrom: 4, missingTo: 6, from: { v: '1.2' }, none: null }, ['a1', 'a2'])),
    ).toEqual(['Host pc-1', 'Agent a1, a2', 'missingFrom: 4', 'missingTo: 6', 'from: {"v":"1.2"}', 'none: ']);
  });

  it('has no host line without a host name, and at most 12 detail lines, each bounded', () => {
    const detail = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}${'q'.repeat(50)}`, 'w'.repeat(200)]));
    const lines = evidenceLines(core({ hostname: 7, ...detail }));
    expect(lines[0]).toBe('Agent agent-1');
    expect(lines).toHaveLength(13);
    expect(lines[1]).toBe(`k0${'q'.repeat(37)}…: ${'w'.repeat(159)}…`);
  });
});
