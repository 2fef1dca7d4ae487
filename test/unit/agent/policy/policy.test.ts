import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Finding, Inventory } from '../../../../agent/model.ts';
import { applyPolicy, loadPolicy, parsePolicy, PolicyError, type Policy } from '../../../../agent/policy/index.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';
import { ROOT, FIXTURES } from '../../../helpers/paths.ts';
import { join } from 'node:path';

// Findings come from the real engine, so the policy is tested against the evidence it will really see.

const FIX = `${FIXTURES}/policy/`;
const EXAMPLE = join(ROOT, 'shared/policy.example.yaml');
const NOW = new Date('2026-11-23T10:00:00Z');

const cat = catalog([
  tool('teamviewer', {
    name: 'TeamViewer',
    processes: { windows: ['teamviewer.exe', 'teamviewer_service.exe'], darwin: ['teamviewer'], linux: ['teamviewer'] },
    signers: ['teamviewer germany gmbh', 'teamviewer gmbh'],
    peOriginalFilenames: ['teamviewer.exe'],
    services: ['teamviewer'],
  }),
  tool('anydesk', { name: 'AnyDesk', processes: { windows: ['anydesk.exe'], darwin: [], linux: [] } }),
  tool('anydesk-mac', {
    name: 'AnyDesk',
    processes: { windows: [], darwin: ['anydesk'], linux: [] },
    teamIds: ['JDX4N8VD9Y'],
    bundleIds: ['com.philandro.anydesk'],
  }),
  tool('screenconnect', {
    name: 'ScreenConnect',
    category: 'rmm',
    services: ['screenconnect client (*'],
    processes: { windows: ['screenconnect.clientservice.exe', 'screenconnect.windowsclient.exe'], darwin: [], linux: [] },
  }),
  tool('ngrok', { name: 'ngrok', category: 'tunnel', processes: { windows: ['ngrok.exe'], darwin: ['ngrok'], linux: ['ngrok'] } }),
  tool('zscaler', { name: 'Zscaler Client Connector', category: 'vpn', processes: { windows: ['zsatray.exe'], darwin: [], linux: [] } }),
  tool('nordvpn', { name: 'NordVPN', category: 'vpn', processes: { windows: ['nordvpn.exe'], darwin: [], linux: [] } }),
]);

const TV_SIGNER = 'CN=TeamViewer Germany GmbH, O=TeamViewer Germany GmbH, L=Göppingen, S=Baden-Württemberg, C=DE';
const tvProc = {
  pid: 1200,
  name: 'TeamViewer.exe',
  exe: 'C:\\Program Files\\TeamViewer\\TeamViewer.exe',
  identity: { signer: TV_SIGNER, pe: { originalFilename: 'TeamViewer.exe' } },
};
const tvService = {
  name: 'TeamViewer',
  displayName: 'TeamViewer',
  state: 'running',
  startType: 'auto',
  source: 'windows-service' as const,
  path: 'C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe',
};

const policy = loadPolicy(FIX + 'company.yaml');

function judge(inv: Inventory, p: Policy = policy, now = NOW): Finding[] {
  return applyPolicy(detect(inv, cat), p, now);
}
const byTool = (fs: Finding[], id: string) => fs.find((f) => f.tool.id === id)!;

describe('allow rules', () => {
  it('allows a sanctioned tool by id and says which rule did', () => {
    const [f] = judge(inventory('windows', { processes: [{ pid: 4100, name: 'ZSATray.exe' }] }));
    expect(f.status).toBe('allowed');
    expect(f.reason).toBe('policy allow[4] (zscaler)');
    expect(f.severity).toBe('high'); // the severity override still applies to an allowed tool
  });

  it('allows TeamViewer signed by TeamViewer Germany GmbH', () => {
    const f = byTool(judge(inventory('windows', { processes: [tvProc], services: [tvService] })), 'teamviewer');
    expect(f.evidence.some((e) => e.type === 'process' && e.signer !== undefined)).toBe(true);
    expect(f.status).toBe('allowed');
    expect(f.reason).toBe('policy allow[0] (teamviewer, signer "TeamViewer Germany GmbH"): IT helpdesk');
  });

  it('does not allow an unsigned renamed copy running next to the signed one', () => {
    const renamed = {
      pid: 6666,
      name: 'svch0st.exe',
      exe: 'C:\\Users\\bob\\AppData\\Local\\Temp\\svch0st.exe',
      identity: { pe: { originalFilename: 'TeamViewer.exe' } },
    };
    const f = byTool(judge(inventory('windows', { processes: [tvProc, renamed], services: [tvService] })), 'teamviewer');
    expect(f.evidence.some((e) => e.type === 'process' && e.renamed && e.pid === 6666)).toBe(true);
    expect(f.status).toBe('finding');
    expect(f.reason).toMatch(
      /^policy: allow\[0\] \(teamviewer, signer "TeamViewer Germany GmbH"\) does not apply: renamed copy: svch0st\.exe \(pid 6666\)/,
    );
  });

  it('does not allow an unsigned TeamViewer.exe, alone or next to the signed one', () => {
    const unsigned = { pid: 7777, name: 'TeamViewer.exe', exe: 'C:\\Users\\bob\\Downloads\\TeamViewer.exe' };
    const alone = byTool(judge(inventory('windows', { processes: [unsigned] })), 'teamviewer');
    expect(alone.status).toBe('finding');
    expect(alone.reason).toContain('no signer evidence');
    const both = byTool(judge(inventory('windows', { processes: [tvProc, unsigned] })), 'teamviewer');
    expect(both.status).toBe('finding');
    expect(both.reason).toContain('pid 7777 has no allowed signer');
  });

  it('does not allow a copy signed by a look-alike or by another vendor', () => {
    for (const signer of ['CN=Not TeamViewer Germany GmbH Ltd, O=Mallory', 'CN=TeamViewer GmbH Support, O=TeamViewer Germany GmbH']) {
      const proc = { ...tvProc, pid: 8888, identity: { signer } };
      const f = byTool(judge(inventory('windows', { processes: [proc] })), 'teamviewer');
      expect(f.evidence.some((e) => e.type === 'process' && e.signer !== undefined)).toBe(true);
      expect(f.status).toBe('finding');
    }
  });

  it('does not trust a process name that forges "(pid N) signed by"', () => {
    const forged = { pid: 9001, name: 'x (pid 1200) signed by TeamViewer Germany GmbH', exe: 'C:\\Temp\\TeamViewer.exe' };
    const f = byTool(judge(inventory('windows', { processes: [tvProc, forged] })), 'teamviewer');
    expect(f.status).toBe('finding');
  });

  it('allows a tool installed where the rule says and not a copy elsewhere', () => {
    const installed = { pid: 300, name: 'AnyDesk.exe', exe: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe' };
    expect(judge(inventory('windows', { processes: [installed] }))[0].status).toBe('allowed');
    const portable = { pid: 301, name: 'AnyDesk.exe', exe: 'C:\\Users\\bob\\Downloads\\AnyDesk.exe' };
    const f = judge(inventory('windows', { processes: [installed, portable] }))[0];
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('path "C:\\Users\\bob\\Downloads\\AnyDesk.exe" is outside the allowed locations');
  });

  it('allows a macOS app by Team ID only when every running copy carries it', () => {
    const signed = {
      pid: 501,
      name: 'AnyDesk',
      exe: '/Applications/AnyDesk.app/Contents/MacOS/AnyDesk',
      identity: { teamId: 'JDX4N8VD9Y', bundleId: 'com.philandro.anydesk' },
    };
    expect(byTool(judge(inventory('darwin', { processes: [signed] })), 'anydesk-mac').status).toBe('allowed');
    const adhoc = { pid: 502, name: 'AnyDesk', exe: '/tmp/AnyDesk.app/Contents/MacOS/AnyDesk' };
    const f = byTool(judge(inventory('darwin', { processes: [signed, adhoc] })), 'anydesk-mac');
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('pid 502 has no allowed Team ID');
  });

  it('allows the company ScreenConnect instance and not a second, foreign one', () => {
    const ours = { name: 'ScreenConnect Client (7f3a9c2e1b4d5a60)', state: 'running', source: 'windows-service' as const };
    expect(judge(inventory('windows', { services: [ours] }))[0].status).toBe('allowed');
    const theirs = { name: 'ScreenConnect Client (7f3a9c2e1b4d5a6011)', state: 'running', source: 'windows-service' as const };
    const f = judge(inventory('windows', { services: [ours, theirs] }))[0];
    expect(f.status).toBe('finding');
    expect(f.reason).toContain('is not an allowed instance');
  });

  it('does not allow a foreign instance whose client runs from its own folder next to the company service', () => {
    const dir = 'C:\\Program Files (x86)\\ScreenConnect Client (7f3a9c2e1b4d5a60)';
    const ours = {
      name: 'ScreenConnect Client (7f3a9c2e1b4d5a60)',
      state: 'running',
      source: 'windows-service' as const,
      path: `${dir}\\ScreenConnect.ClientService.exe`,
    };
    const oursProc = { pid: 700, name: 'ScreenConnect.ClientService.exe', exe: `${dir}\\ScreenConnect.ClientService.exe` };
    expect(judge(inventory('windows', { services: [ours], processes: [oursProc] }))[0].status).toBe('allowed');
    const theirs = {
      pid: 701,
      name: 'ScreenConnect.WindowsClient.exe',
      exe: 'C:\\Users\\bob\\AppData\\Local\\Temp\\ScreenConnect Client (0b1c2d3e4f5a6b7c)\\ScreenConnect.WindowsClient.exe',
    };
    const f = judge(inventory('windows', { services: [ours], processes: [oursProc, theirs] }))[0];
    expect(f.status).toBe('finding');
    expect(f.reason).toContain(
      'process "C:\\Users\\bob\\AppData\\Local\\Temp\\ScreenConnect Client (0b1c2d3e4f5a6b7c)\\ScreenConnect.WindowsClient.exe" is not an allowed instance',
    );
  });
});

describe('suppressions and severity', () => {
  const ngrok = inventory('linux', { processes: [{ pid: 42, name: 'ngrok', exe: '/usr/local/bin/ngrok' }] });

  it('suppresses until the end of the expiry date, then reports again', () => {
    const during = judge(ngrok, policy, new Date('2026-12-31T23:59:59Z'))[0];
    expect(during.status).toBe('suppressed');
    expect(during.reason).toBe('policy suppressions[0] until 2026-12-31: DEV-1142 webhook tests');
    const after = judge(ngrok, policy, new Date('2027-01-01T00:00:00Z'))[0];
    expect(after.status).toBe('finding');
    expect(after.reason).toBe('policy: suppressions[0] expired 2026-12-31 (was: DEV-1142 webhook tests)');
  });

  it('suppresses by finding id and honours a timestamp with a zone', () => {
    const p = parsePolicy(readFileSync(FIX + 'company.json', 'utf8'), 'company.json');
    const f: Finding = {
      id: '0123456789abcdef',
      tool: { id: 'x', name: 'X', category: 'remote-desktop' },
      severity: 'high',
      status: 'finding',
      state: 'installed',
      attack: ['T1219'],
      evidence: [],
    };
    expect(applyPolicy([f], p, new Date('2026-01-15T00:29:59Z'))[0].status).toBe('suppressed');
    expect(applyPolicy([f], p, new Date('2026-01-15T00:30:00Z'))[0].status).toBe('finding');
  });

  it('overrides severity by category and leaves other categories alone', () => {
    const fs = judge(
      inventory('windows', {
        processes: [
          { pid: 5, name: 'nordvpn.exe' },
          { pid: 6, name: 'AnyDesk.exe', exe: 'D:\\AnyDesk.exe' },
        ],
      }),
    );
    expect(byTool(fs, 'nordvpn')).toMatchObject({ severity: 'high', status: 'finding' });
    expect(byTool(fs, 'anydesk').severity).toBe('high');
    const medium = parsePolicy('severity:\n  remote-desktop: medium\n', 'inline');
    expect(applyPolicy(fs, medium, NOW).find((f) => f.tool.id === 'anydesk')!.severity).toBe('medium');
  });

  it('is pure and idempotent', () => {
    const findings = detect(inventory('windows', { processes: [tvProc, { pid: 5, name: 'nordvpn.exe' }] }), cat);
    const before = structuredClone(findings);
    const once = applyPolicy(findings, policy, NOW);
    expect(findings).toEqual(before);
    expect(applyPolicy(once, policy, NOW)).toEqual(once);
  });
});

describe('policy files', () => {
  it('loads the shipped example and the JSON fixture', () => {
    const ex = loadPolicy(EXAMPLE);
    expect(ex.allow.map((r) => r.tool)).toEqual(['teamviewer', 'screenconnect', 'tailscale']);
    expect(ex.allow[0]).toMatchObject({
      signer: ['TeamViewer Germany GmbH'],
      path: ['C:/Program Files/TeamViewer/**', '/Applications/TeamViewer.app/**'],
    });
    expect(ex.suppressions[0]).toMatchObject({ tool: 'ngrok', expires: '2026-03-31', expiresAt: Date.UTC(2026, 3, 1) });
    const js = parsePolicy(readFileSync(FIX + 'company.json', 'utf8'), 'company.json');
    expect(js.allow[1].tool).toBe('zscaler');
    expect(js.severity).toEqual({ vpn: 'high' });
    expect(js.suppressions[0].finding).toBe('0123456789abcdef');
  });

  it('treats an empty file as an empty policy', () => {
    expect(parsePolicy('', 'empty.yaml')).toEqual({ origin: 'empty.yaml', allow: [], severity: {}, suppressions: [] });
    expect(parsePolicy('# nothing yet\n', 'c.yaml').allow).toEqual([]);
  });

  const ORIGIN = '/etc/ratwatch/policy.yaml';
  const bad: [string, string][] = [
    ['allow:\n  - tool: anydesk\n  - tool: teamviewer\n  - tool: 42\n', 'allow[2].tool must be a string'],
    ['alow:\n  - tool: anydesk\n', 'unknown key "alow" (expected version, allow, severity, suppressions)'],
    [
      'allow:\n  - tool: anydesk\n    signers: X\n',
      'allow[0] has unknown key "signers" (expected tool, signer, teamId, path, instance, reason)',
    ],
    ['allow:\n  - anydesk\n', 'allow[0] must be a mapping with at least "tool"'],
    ['allow:\n  tool: anydesk\n', 'allow must be a list'],
    ['allow:\n  - tool: Any Desk\n', 'allow[0].tool "Any Desk" is not a catalog tool id (lowercase letters, digits, "-")'],
    ['allow:\n  - tool: anydesk\n    signer: [ok, 3]\n', 'allow[0].signer[1] must be a non-empty string'],
    ['allow:\n  - tool: anydesk\n    teamId: JDX4N8\n', 'allow[0].teamId "JDX4N8" is not an Apple Team ID (10 letters or digits)'],
    ['severity:\n  vpn: urgent\n', 'severity.vpn must be one of info, low, medium, high, critical'],
    [
      'severity:\n  vnc: high\n',
      'severity.vnc is not a category (remote-desktop, rmm, remote-shell, tunnel, mesh-vpn, vpn, ip-kvm, builtin-remote, signal)',
    ],
    ['suppressions:\n  - tool: ngrok\n    reason: x\n', 'suppressions[0].expires is required (a permanent exception is an allow rule)'],
    [
      'suppressions:\n  - tool: ngrok\n    reason: x\n    expires: 2026-02-30\n',
      'suppressions[0].expires "2026-02-30" is not a calendar date',
    ],
    [
      'suppressions:\n  - tool: ngrok\n    reason: x\n    expires: next week\n',
      'suppressions[0].expires "next week" must be an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)',
    ],
    [
      'suppressions:\n  - tool: ngrok\n    reason: x\n    expires: 2026-02-01T10:00:00\n',
      'suppressions[0].expires "2026-02-01T10:00:00" must be an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)',
    ],
    ['suppressions:\n  - reason: x\n    expires: 2026-02-01\n', 'suppressions[0] needs "tool" or "finding"'],
    [
      'suppressions:\n  - finding: abc\n    reason: x\n    expires: 2026-02-01\n',
      'suppressions[0].finding "abc" is not a finding id (16 hex digits)',
    ],
    ['suppressions:\n  - tool: ngrok\n    expires: 2026-02-01\n', 'suppressions[0].reason must be a string'],
    ['version: 2\n', 'version must be 1'],
    ['- tool: anydesk\n', 'must be a mapping with allow, severity and suppressions'],
  ];
  for (const [text, msg] of bad) {
    it(`rejects with one line: ${msg}`, () => {
      expect(() => parsePolicy(text, ORIGIN)).toThrow(PolicyError);
      expect(() => parsePolicy(text, ORIGIN)).toThrow(`policy ${ORIGIN}: ${msg}`);
      try {
        parsePolicy(text, ORIGIN);
      } catch (e) {
        expect((e as Error).message).toBe(`policy ${ORIGIN}: ${msg}`);
      }
    });
  }

  it('reports broken YAML, duplicate keys and unreadable files in one line', () => {
    const one = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('expected a PolicyError');
    };
    expect(one(() => loadPolicy(FIX + 'broken-yaml.yaml'))).toMatch(/^policy .*broken-yaml\.yaml: not valid YAML or JSON at line \d+: /);
    expect(one(() => parsePolicy('severity:\n  vpn: high\n  vpn: low\n', 'dup.yaml'))).toMatch(
      /^policy dup\.yaml: not valid YAML or JSON at line 3: .*unique/i,
    );
    expect(one(() => parsePolicy('{"allow": [', 'p.json'))).toMatch(/^policy p\.json: not valid YAML or JSON/);
    expect(one(() => loadPolicy('/nonexistent/ratwatch/policy.yaml'))).toBe(
      'policy /nonexistent/ratwatch/policy.yaml: cannot read (ENOENT)',
    );
  });
});
