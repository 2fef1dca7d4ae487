import { describe, expect, it } from 'vitest';
import type { Evidence, Finding } from '../../../../agent/model.ts';
import { applyPolicy, parsePolicy } from '../../../../agent/policy/index.ts';
import { signerNames } from '../../../../agent/policy/match.ts';

// What an allow rule reads from a finding's evidence, pinned down by the decision and the reason a user
// sees (issue 17): signer spellings, Team IDs taken literally, instance ids on packages and services.

const NOW = new Date('2026-06-01T00:00:00Z');
const finding = (toolId: string, evidence: Evidence[]): Finding => ({
  id: 'bbbbbbbbbbbbbbbb',
  tool: { id: toolId, name: toolId, category: 'remote-desktop' },
  severity: 'high',
  status: 'finding',
  state: 'running',
  attack: ['T1219'],
  evidence,
});
const proc = (pid: number, more: Partial<Extract<Evidence, { type: 'process' }>> = {}): Evidence => ({
  type: 'process',
  strength: 'strong',
  pid,
  name: 'AnyDesk',
  matchedBy: 'name',
  ...more,
});
const one = (yaml: string, f: Finding) => applyPolicy([f], parsePolicy(yaml, 'p.yaml'), NOW)[0];

describe('signer names', () => {
  it('a signer with stray spaces around it is still the allowed signer', () => {
    const rule = 'allow:\n  - tool: anydesk\n    signer: philandro Software GmbH\n';
    expect(one(rule, finding('anydesk', [proc(1, { signer: '  philandro   Software GmbH ' })])).status).toBe('allowed');
  });

  it('an unquoted CN that merely ends in a quote keeps all its letters', () => {
    expect(signerNames('CN=Acme Inc"')).toEqual(['cn=acme inc"', 'acme inc"']);
  });

  it('an Apple authority is read only when the whole string is one, with or without spaces before the Team ID', () => {
    expect(signerNames('Developer ID Application: Foo (ABCDEFGHIJ) and more')).toEqual([
      'developer id application: foo (abcdefghij) and more',
    ]);
    expect(signerNames('Not Developer ID Application: Foo (ABCDEFGHIJ)')).toEqual(['not developer id application: foo (abcdefghij)']);
    expect(signerNames('Developer ID Application:Foo Bar (ABCDEFGHIJ)')).toContain('foo bar');
    expect(signerNames('Developer ID Application: Foo Bar(ABCDEFGHIJ)')).toContain('foo bar');
    expect(signerNames('Developer ID Application: Foo Bar   (ABCDEFGHIJ)')).toContain('foo bar');
  });
});

describe('Team ID rules', () => {
  it('a Team ID is compared as written: a subject that only contains it as a CN is another Team ID', () => {
    const rule = 'allow:\n  - tool: anydesk\n    teamId: ABCDE12345\n';
    const f = one(rule, finding('anydesk', [proc(1, { teamId: 'CN=ABCDE12345' })]));
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('Team ID "CN=ABCDE12345" is not allowed');
    expect(one(rule, finding('anydesk', [proc(1, { teamId: ' abcde12345 ' })])).status).toBe('allowed');
  });
});

describe('instance rules on packages and services', () => {
  const rule = 'allow:\n  - tool: screenconnect\n    instance: [7f3a9c2e, c0ffee01]\n';

  it('any one of several allowed ids names the instance', () => {
    const svc: Evidence = { type: 'service', strength: 'strong', name: 'ScreenConnect Client (c0ffee01)', manager: 'windows-service' };
    expect(one(rule, finding('screenconnect', [svc])).status).toBe('allowed');
  });

  it('a package is judged by its name or its path', () => {
    const pkgByName: Evidence = { type: 'package', strength: 'strong', name: 'ScreenConnect Client (7f3a9c2e)', manager: 'uninstall' };
    expect(one(rule, finding('screenconnect', [pkgByName])).status).toBe('allowed');
    const pkgByPath: Evidence = {
      type: 'package',
      strength: 'strong',
      name: 'ScreenConnect Client',
      manager: 'uninstall',
      path: 'C:\\Program Files (x86)\\ScreenConnect Client (7f3a9c2e)',
    };
    expect(one(rule, finding('screenconnect', [pkgByPath])).status).toBe('allowed');
    const other: Evidence = { type: 'package', strength: 'strong', name: 'ScreenConnect Client (99999999)', manager: 'uninstall' };
    const f = one(rule, finding('screenconnect', [pkgByName, other]));
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('package "ScreenConnect Client (99999999)" is not an allowed instance');
  });

  it('a service with no name at all is not an allowed instance, and the reason invents no name', () => {
    const nameless: Evidence = { type: 'service', strength: 'strong', name: '', manager: 'windows-service' };
    const f = one(rule, finding('screenconnect', [nameless]));
    expect(f.status).toBe('finding');
    expect(f.reason).toMatch(/: service "" is not an allowed instance$/);
  });
});

describe('the reason names the rule as written', () => {
  it('several globs of one rule are listed with "or"', () => {
    const rule = 'allow:\n  - tool: anydesk\n    path: [/opt/anydesk/**, /usr/lib/anydesk/**]\n';
    const f = one(rule, finding('anydesk', [proc(1, { exe: '/home/bob/anydesk' })]));
    expect(f.reason).toBe(
      'policy: allow[0] (anydesk, path /opt/anydesk/** or /usr/lib/anydesk/**) does not apply: path "/home/bob/anydesk" is outside the allowed locations',
    );
  });
});
