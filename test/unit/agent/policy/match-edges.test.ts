import { describe, expect, it } from 'vitest';
import type { Evidence, Finding } from '../../../../agent/model.ts';
import { applyPolicy, parsePolicy } from '../../../../agent/policy/index.ts';
import { signerNames } from '../../../../agent/policy/match.ts';

// Policy decisions and their reasons on findings built by hand, one narrowing at a time, so that each
// condition of an allow rule and of a suppression is pinned down by what the report says (issue 17).

const NOW = new Date('2026-06-01T00:00:00Z');

function finding(toolId: string, evidence: Evidence[], extra: Partial<Finding> = {}): Finding {
  return {
    id: 'aaaaaaaaaaaaaaaa',
    tool: { id: toolId, name: toolId, category: 'remote-desktop' },
    severity: 'high',
    status: 'finding',
    state: 'running',
    attack: ['T1219'],
    evidence,
    ...extra,
  };
}
const proc = (pid: number, exe: string | undefined, more: Partial<Extract<Evidence, { type: 'process' }>> = {}): Evidence => ({
  type: 'process',
  strength: 'strong',
  pid,
  name: 'AnyDesk.exe',
  ...(exe ? { exe } : {}),
  matchedBy: 'name',
  ...more,
});
const judge = (yaml: string, fs: Finding[], now = NOW) => applyPolicy(fs, parsePolicy(yaml, 'p.yaml'), now);
const one = (yaml: string, f: Finding, now = NOW) => judge(yaml, [f], now)[0];

describe('allow rules check every condition, not just the first', () => {
  const rule = 'allow:\n  - tool: anydesk\n    signer: philandro Software GmbH\n    path: C:/Program Files (x86)/AnyDesk/**\n';

  it('a signed copy outside the allowed path stays a finding, and the reason names the path', () => {
    const f = one(rule, finding('anydesk', [proc(1, 'C:\\Users\\bob\\AnyDesk.exe', { signer: 'philandro Software GmbH' })]));
    expect(f.status).toBe('finding');
    expect(f.reason).toBe(
      'policy: allow[0] (anydesk, signer "philandro Software GmbH", path C:/Program Files (x86)/AnyDesk/**) does not apply: path "C:\\Users\\bob\\AnyDesk.exe" is outside the allowed locations',
    );
  });

  it('an unsigned copy inside the allowed path stays a finding; a signed one there is allowed', () => {
    const exe = 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe';
    expect(one(rule, finding('anydesk', [proc(1, exe)])).reason).toContain('does not apply: no signer evidence (unsigned, or not running)');
    const ok = one(rule, finding('anydesk', [proc(1, exe, { signer: 'CN=philandro Software GmbH, O=philandro' })]));
    expect(ok).toMatchObject({
      status: 'allowed',
      reason: 'policy allow[0] (anydesk, signer "philandro Software GmbH", path C:/Program Files (x86)/AnyDesk/**)',
    });
  });

  it('a Team ID rule combined with an instance rule checks both', () => {
    const r = 'allow:\n  - tool: anydesk\n    teamId: [JDX4N8VD9Y, ABCDE12345]\n    instance: [c0ffee01]\n    reason: ours\n';
    const exeOurs = '/Applications/AnyDesk c0ffee01.app/Contents/MacOS/AnyDesk';
    const good = one(r, finding('anydesk', [proc(1, exeOurs, { teamId: 'ABCDE12345' })]));
    expect(good).toMatchObject({
      status: 'allowed',
      reason: 'policy allow[0] (anydesk, Team ID JDX4N8VD9Y or ABCDE12345, instance c0ffee01): ours',
    });
    const other = one(r, finding('anydesk', [proc(1, '/Applications/AnyDesk.app/Contents/MacOS/AnyDesk', { teamId: 'JDX4N8VD9Y' })]));
    expect(other.status).toBe('finding');
    expect(other.reason).toContain('process "/Applications/AnyDesk.app/Contents/MacOS/AnyDesk" is not an allowed instance');
    const foreignTeam = one(r, finding('anydesk', [proc(1, exeOurs, { teamId: 'ZZZZZ99999' })]));
    expect(foreignTeam.reason).toContain('Team ID "ZZZZZ99999" is not allowed');
  });

  it('a rule for another tool is not applied; a later matching rule is, and earlier misses are not kept', () => {
    const r = 'allow:\n  - tool: teamviewer\n  - tool: anydesk\n    path: /opt/**\n  - tool: anydesk\n';
    const f = one(r, finding('anydesk', [proc(1, '/home/bob/anydesk')]));
    expect(f).toMatchObject({ status: 'allowed', reason: 'policy allow[2] (anydesk)' });
    const notOurs = one('allow:\n  - tool: teamviewer\n', finding('anydesk', [proc(1, '/home/bob/anydesk')]));
    expect(notOurs.status).toBe('finding');
    expect(notOurs.reason).toBeUndefined();
  });

  it('the tool id of a finding is compared without case', () => {
    expect(one('allow:\n  - tool: anydesk\n', finding('AnyDesk', [])).status).toBe('allowed');
  });

  it('a rule with only a reason is unconditional and quotes its reason', () => {
    expect(one('allow:\n  - tool: anydesk\n    reason: everyone\n', finding('anydesk', [proc(1, '/x')]))).toMatchObject({
      status: 'allowed',
      reason: 'policy allow[0] (anydesk): everyone',
    });
  });
});

describe('path globs in allow rules', () => {
  const rule = 'allow:\n  - tool: anydesk\n    path: C:/Program Files (x86)/AnyDesk/**\n';

  it('** does not reach a sibling folder whose name starts the same (AnyDesk2/)', () => {
    const f = one(rule, finding('anydesk', [proc(1, 'C:\\Program Files (x86)\\AnyDesk2\\AnyDesk.exe')]));
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('path "C:\\Program Files (x86)\\AnyDesk2\\AnyDesk.exe" is outside the allowed locations');
    expect(one(rule, finding('anydesk', [proc(1, 'C:\\Program Files (x86)\\AnyDesk\\x64\\AnyDesk.exe')])).status).toBe('allowed');
  });

  it('* stays within one folder where ** crosses folders', () => {
    const star = 'allow:\n  - tool: anydesk\n    path: /opt/*/anydesk\n';
    expect(one(star, finding('anydesk', [proc(1, '/opt/a/anydesk')])).status).toBe('allowed');
    expect(one(star, finding('anydesk', [proc(1, '/opt/a/b/anydesk')])).status).toBe('finding');
    const any = 'allow:\n  - tool: anydesk\n    path: /opt/**/anydesk\n';
    expect(one(any, finding('anydesk', [proc(1, '/opt/a/b/anydesk')])).status).toBe('allowed');
  });

  it('every path the finding names counts: package, service and file paths, not only processes', () => {
    const inside = 'C:/Program Files (x86)/AnyDesk/AnyDesk.exe';
    const outside = 'D:/AnyDesk/AnyDesk.exe';
    const kinds = (p: string): Evidence[] => [
      { type: 'package', strength: 'strong', name: 'AnyDesk', manager: 'uninstall', path: p },
      { type: 'service', strength: 'strong', name: 'AnyDesk', manager: 'windows-service', path: p },
      { type: 'file', strength: 'strong', path: p },
    ];
    for (let i = 0; i < 3; i++) {
      const ev = kinds(inside);
      expect(one(rule, finding('anydesk', ev)).status).toBe('allowed');
      ev[i] = kinds(outside)[i];
      const f = one(rule, finding('anydesk', ev));
      expect(f.status, ev[i].type).toBe('finding');
      expect(f.reason).toContain(`path "${outside}" is outside`);
    }
  });

  it('a finding with no path at all is not allowed by a path rule', () => {
    const f = one(
      rule,
      finding('anydesk', [proc(1, undefined), { type: 'package', strength: 'strong', name: 'AnyDesk', manager: 'uninstall' }]),
    );
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('does not apply: no path evidence');
  });

  it('any of several globs may hold', () => {
    const r = 'allow:\n  - tool: anydesk\n    path: [/opt/anydesk/**, /usr/bin/anydesk]\n';
    expect(one(r, finding('anydesk', [proc(1, '/usr/bin/anydesk'), proc(2, '/opt/anydesk/bin/anydesk')])).status).toBe('allowed');
  });
});

describe('signer and Team ID rules (anti-forgery)', () => {
  const rule = 'allow:\n  - tool: teamviewer\n    signer: TeamViewer Germany GmbH\n';
  const signed = (pid: number, signer?: string) => proc(pid, 'C:/TV/TeamViewer.exe', signer ? { signer } : {});

  it('names: the whole string, the CN of a subject (quoted or escaped) and the developer of an Apple authority', () => {
    expect(signerNames('CN=TeamViewer Germany GmbH, O=TeamViewer, C=DE')).toEqual([
      'cn=teamviewer germany gmbh, o=teamviewer, c=de',
      'teamviewer germany gmbh',
    ]);
    expect(signerNames('O=X, CN="Acme, Inc."')).toContain('acme, inc.');
    expect(signerNames('CN="Say ""hi"" GmbH"')).toContain('say "hi" gmbh');
    expect(signerNames('CN=Acme\\, Inc., O=Acme')).toContain('acme, inc.');
    expect(signerNames('Developer ID Application: TeamViewer Germany GmbH (H7UGFBUGV6)')).toEqual([
      'developer id application: teamviewer germany gmbh (h7ugfbugv6)',
      'teamviewer germany gmbh',
    ]);
    expect(signerNames('  Apple Distribution:  Foo   Bar (ABCDEFGHIJ)  ')).toContain('foo bar');
    expect(signerNames('Developer ID Application: Foo (short)')).toHaveLength(1);
    expect(signerNames('XCN=Foo')).toEqual(['xcn=foo']);
  });

  it('allows a process signed with the Apple authority or the subject of the allowed signer', () => {
    for (const s of [
      'Developer ID Application: TeamViewer Germany GmbH (H7UGFBUGV6)',
      'CN=TeamViewer  Germany GmbH, O=x',
      'teamviewer germany gmbh',
    ]) {
      expect(one(rule, finding('teamviewer', [signed(1, s)])).status, s).toBe('allowed');
    }
  });

  it('a signer that only contains the allowed name, or one process of several unsigned, keeps the finding open', () => {
    expect(one(rule, finding('teamviewer', [signed(1, 'CN=Evil TeamViewer Germany GmbH')])).reason).toContain(
      'signer "CN=Evil TeamViewer Germany GmbH" is not allowed',
    );
    const mixed = one(rule, finding('teamviewer', [signed(1, 'TeamViewer Germany GmbH'), signed(2, 'CN=Mallory')]));
    expect(mixed.reason).toContain('signer "CN=Mallory" is not allowed');
  });

  it('a socket, banner or command line of a process that proved nothing keeps the finding open', () => {
    const others: Evidence[] = [
      { type: 'socket', strength: 'corroborating', proto: 'tcp', localAddress: '0.0.0.0', localPort: 5938, state: 'LISTEN', pid: 77 },
      { type: 'banner', strength: 'corroborating', proto: 'tcp', localAddress: '127.0.0.1', port: 5938, text: 'x', pid: 77 },
      { type: 'cmdline-domain', strength: 'corroborating', pid: 77, process: 'curl', host: 'a.teamviewer.com', domain: 'teamviewer.com' },
    ];
    for (const e of others) {
      const f = one(rule, finding('teamviewer', [signed(1, 'TeamViewer Germany GmbH'), e]));
      expect(f.status, e.type).toBe('finding');
      expect(f.reason).toContain('pid 77 has no allowed signer');
    }
    // A socket or banner without an owner names no process to prove
    const unowned: Evidence[] = [
      { type: 'socket', strength: 'corroborating', proto: 'tcp', localAddress: '0.0.0.0', localPort: 5938, state: 'LISTEN' },
      { type: 'banner', strength: 'corroborating', proto: 'tcp', localAddress: '127.0.0.1', port: 5938, text: 'x' },
    ];
    for (const e of unowned)
      expect(one(rule, finding('teamviewer', [signed(1, 'TeamViewer Germany GmbH'), e])).status, e.type).toBe('allowed');
  });

  it('a package signer does not count for a signer rule; a package Team ID does for a Team ID rule', () => {
    const pkg = (more: object): Evidence => ({ type: 'package', strength: 'strong', name: 'AnyDesk', manager: 'app', ...more }) as Evidence;
    expect(one(rule, finding('teamviewer', [pkg({ signer: 'TeamViewer Germany GmbH' })])).reason).toContain('no signer evidence');
    const team = 'allow:\n  - tool: anydesk\n    teamId: JDX4N8VD9Y\n';
    expect(one(team, finding('anydesk', [pkg({ teamId: 'JDX4N8VD9Y' })])).status).toBe('allowed');
    expect(one(team, finding('anydesk', [pkg({ teamId: 'JDX4N8VD9Y' }), proc(9, '/tmp/AnyDesk')])).reason).toContain(
      'pid 9 has no allowed Team ID',
    );
    expect(one(team, finding('anydesk', [pkg({})])).reason).toContain('no Team ID evidence (unsigned, or not running)');
  });

  it('a renamed copy is never allowed by a narrowed rule, and the reason says what it copies', () => {
    const copy = proc(5, 'C:/Temp/svch0st.exe', {
      name: 'svch0st.exe',
      renamed: true,
      matchedBy: 'hash',
      copyOf: 'C:/TV/TeamViewer.exe',
      signer: 'TeamViewer Germany GmbH',
    });
    expect(one(rule, finding('teamviewer', [copy])).reason).toBe(
      'policy: allow[0] (teamviewer, signer "TeamViewer Germany GmbH") does not apply: renamed copy: svch0st.exe (pid 5) is a copy of C:/TV/TeamViewer.exe',
    );
    const byMeta = proc(6, 'C:/Temp/x.exe', { name: 'x.exe', renamed: true, matchedBy: 'pe-metadata', signer: 'TeamViewer Germany GmbH' });
    expect(one(rule, finding('teamviewer', [byMeta])).reason).toContain('renamed copy: x.exe (pid 6) matched by pe-metadata');
    // A renamed copy that is not flagged as renamed is judged by its signer like any other
    expect(one(rule, finding('teamviewer', [{ ...byMeta, renamed: false } as Evidence])).status).toBe('allowed');
    expect(one('allow:\n  - tool: teamviewer\n', finding('teamviewer', [copy])).status).toBe('allowed');
  });
});

describe('instance rules', () => {
  const rule = 'allow:\n  - tool: screenconnect\n    instance: 7f3a9c2e\n';
  const svc = (name: string, more: object = {}): Evidence =>
    ({ type: 'service', strength: 'strong', name, manager: 'windows-service', ...more }) as Evidence;

  it('an id found as a whole token anywhere in a name, display name or path', () => {
    expect(one(rule, finding('screenconnect', [svc('ScreenConnect Client (7f3a9c2e)')])).status).toBe('allowed');
    expect(one(rule, finding('screenconnect', [svc('7F3A9C2E-client')])).status).toBe('allowed');
    expect(one(rule, finding('screenconnect', [svc('client-7f3a9c2e')])).status).toBe('allowed');
    expect(one(rule, finding('screenconnect', [svc('ScreenConnect', { displayName: 'ScreenConnect Client (7f3a9c2e)' })])).status).toBe(
      'allowed',
    );
    expect(one(rule, finding('screenconnect', [svc('ScreenConnect', { path: 'C:/SC (7f3a9c2e)/svc.exe' })])).status).toBe('allowed');
    // the first occurrence sits inside a longer id, the second stands alone
    expect(one(rule, finding('screenconnect', [svc('x7f3a9c2e (7f3a9c2e)')])).status).toBe('allowed');
    expect(
      one(
        rule,
        finding('screenconnect', [{ type: 'package', strength: 'strong', name: 'SC', manager: 'uninstall', path: 'C:/SC (7f3a9c2e)' }]),
      ).status,
    ).toBe('allowed');
    expect(one(rule, finding('screenconnect', [{ type: 'file', strength: 'strong', path: 'C:/SC (7f3a9c2e)/a.exe' }])).status).toBe(
      'allowed',
    );
  });

  it('an id inside a longer id, before or after, is another instance', () => {
    for (const name of ['SC (7f3a9c2e1)', 'SC (07f3a9c2e)', 'SC (a7f3a9c2eb)']) {
      const f = one(rule, finding('screenconnect', [svc(name)]));
      expect(f.status, name).toBe('finding');
      expect(f.reason).toContain(`service "${name}" is not an allowed instance`);
    }
  });

  it('a finding with nothing that could name an instance is not allowed; processes without a path are skipped', () => {
    const sock: Evidence = {
      type: 'socket',
      strength: 'corroborating',
      proto: 'tcp',
      localAddress: '0.0.0.0',
      localPort: 8041,
      state: 'LISTEN',
    };
    expect(one(rule, finding('screenconnect', [sock, proc(3, undefined)])).reason).toContain('no evidence names an allowed instance');
    expect(one(rule, finding('screenconnect', [sock, proc(3, undefined), svc('SC (7f3a9c2e)')])).status).toBe('allowed');
  });
});

describe('suppressions', () => {
  const id = '0123456789abcdef';
  const sup = `suppressions:\n  - finding: ${id}\n    reason: case 1\n    expires: 2026-12-31\n`;

  it('a suppression by finding id suppresses that finding only', () => {
    const [a, b] = judge(sup, [finding('anydesk', [], { id }), finding('anydesk', [], { id: 'fedcba9876543210' })]);
    expect(a).toMatchObject({ status: 'suppressed', reason: 'policy suppressions[0] until 2026-12-31: case 1' });
    expect(b.status).toBe('finding');
    expect(b.reason).toBeUndefined();
  });

  it('a suppression by tool suppresses that tool only', () => {
    const s = 'suppressions:\n  - tool: ngrok\n    reason: dev\n    expires: 2026-12-31\n';
    const [a, b] = judge(s, [finding('ngrok', []), finding('anydesk', [])]);
    expect(a.status).toBe('suppressed');
    expect(b.status).toBe('finding');
    expect(one(s, finding('NGROK', [])).status).toBe('suppressed');
  });

  it('ends at its expiry instant exactly; the first still-active one is quoted and expired ones explain an open finding', () => {
    const s = `suppressions:\n  - finding: ${id}\n    reason: old\n    expires: 2026-01-01\n  - tool: anydesk\n    reason: new\n    expires: 2026-06-02T00:00:00Z\n  - tool: anydesk\n    reason: later\n    expires: 2027-01-01\n`;
    expect(one(s, finding('anydesk', [], { id }))).toMatchObject({
      status: 'suppressed',
      reason: 'policy suppressions[1] until 2026-06-02T00:00:00Z: new',
    });
    const justOver = one(s, finding('anydesk', [], { id }), new Date('2026-06-02T00:00:00Z'));
    expect(justOver.reason).toBe('policy suppressions[2] until 2027-01-01: later');
    const allOver = one(s, finding('anydesk', [], { id }), new Date('2027-01-02T00:00:00Z')); // a date lasts to its end
    expect(allOver).toMatchObject({
      status: 'finding',
      reason:
        'policy: suppressions[0] expired 2026-01-01 (was: old); suppressions[1] expired 2026-06-02T00:00:00Z (was: new); suppressions[2] expired 2027-01-01 (was: later)',
    });
    expect(one(s, finding('anydesk', [], { id }), new Date('2026-06-01T23:59:59.999Z')).reason).toContain('suppressions[1]');
  });

  it('a missed allow rule and an expired suppression are both given as the reason', () => {
    const s = 'allow:\n  - tool: anydesk\n    path: /opt/**\nsuppressions:\n  - tool: anydesk\n    reason: r\n    expires: 2026-01-01\n';
    expect(one(s, finding('anydesk', [proc(1, '/tmp/anydesk')])).reason).toBe(
      'policy: allow[0] (anydesk, path /opt/**) does not apply: path "/tmp/anydesk" is outside the allowed locations; suppressions[0] expired 2026-01-01 (was: r)',
    );
  });

  it('an allowed tool is not reported as suppressed; a stale reason from an earlier run is dropped', () => {
    const s = 'allow:\n  - tool: anydesk\nsuppressions:\n  - tool: anydesk\n    reason: r\n    expires: 2027-01-01\n';
    expect(one(s, finding('anydesk', [])).status).toBe('allowed');
    const stale = finding('teamviewer', [], { status: 'allowed', reason: 'policy allow[0] (teamviewer)' });
    expect(one('', stale)).toMatchObject({ status: 'finding' });
    expect(one('', stale).reason).toBeUndefined();
  });

  it('severity comes from the category override, or stays as detected', () => {
    const s = 'severity:\n  tunnel: low\n';
    expect(one(s, finding('anydesk', [])).severity).toBe('high');
    expect(one(s, finding('ngrok', [], { tool: { id: 'ngrok', name: 'ngrok', category: 'tunnel' } })).severity).toBe('low');
  });
});
