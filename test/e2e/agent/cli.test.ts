import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../agent/catalog/load.ts';
import type { Inventory, ScanResult } from '../../../agent/model.ts';
import { evaluate } from '../../../agent/scan.ts';
import { checkInventory, checkScanResult } from '../../../agent/validate.ts';
import { VERSION } from '../../../agent/version.ts';
import { buildMacInventory, MAC_INVENTORIES } from '../../fixtures/macos/make-inventories.ts';
import { buildWindowsInventory } from '../../fixtures/windows/make-inventories.ts';
import { ratwatch, ROOT } from '../../helpers/cli.ts';
import { inventory } from '../../helpers/builders.ts';

// The CLI as users and MDM scripts meet it: a child process, its exit code, stdout and stderr.

const INV = join(ROOT, 'test/fixtures/inventories');
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text, { mode }); // owner-only: key and token files others can read are refused
  return p;
}

function scanJson(file: string): ScanResult {
  const r = ratwatch(['scan', '--inventory', file, '--json']);
  expect(r.stderr).toBe('');
  return checkScanResult(JSON.parse(r.stdout));
}

const active = (r: ScanResult) =>
  r.findings
    .filter((f) => f.status === 'finding' && f.severity !== 'info')
    .map((f) => f.tool.id)
    .sort();

describe('exit codes and errors', () => {
  it('prints its version', () => {
    const r = ratwatch(['--version']);
    expect([r.code, r.stdout.trim(), r.stderr]).toEqual([0, VERSION, '']);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version).toBe(VERSION);
  });

  it('exits 0 on a clean inventory and 1 when it finds remote-access software', () => {
    expect(ratwatch(['scan', '--inventory', join(INV, 'windows-clean.json')]).code).toBe(0);
    expect(ratwatch(['scan', '--inventory', join(INV, 'windows-anydesk.json')]).code).toBe(1);
  });

  const bad: [string, string[], RegExp][] = [
    [
      'a missing inventory',
      ['scan', '--inventory', '/nonexistent/inv.json'],
      /^ratwatch: inventory \/nonexistent\/inv\.json: cannot read \(ENOENT\)$/,
    ],
    [
      'an inventory that is not JSON',
      ['scan', '--inventory', write('garbage.json', '\x00\x01{{{')],
      /^ratwatch: inventory .*garbage\.json: not JSON \(/,
    ],
    [
      'an inventory of the wrong shape',
      ['scan', '--inventory', write('shape.json', JSON.stringify({ ...inventory('linux'), processes: [{ pid: 'one', name: 'x' }] }))],
      /^ratwatch: inventory .*shape\.json: \/processes\/0\/pid must be integer$/,
    ],
    ['an unknown option', ['scan', '--frobnicate'], /^error: unknown option '--frobnicate'$/],
    ['an unknown output format', ['scan', '--format', 'xml'], /^error: option '--format <format>' argument 'xml' is invalid/],
    [
      'a policy that does not parse',
      ['scan', '--inventory', join(INV, 'windows-clean.json'), '--policy', write('policy.yaml', 'allow: [ {tool: ')],
      /^ratwatch: policy .*policy\.yaml: /,
    ],
    [
      'a catalog that is not a catalog',
      ['scan', '--inventory', join(INV, 'windows-clean.json'), '--catalog', write('catalog.json', '{"tools": 3}')],
      /^ratwatch: catalog .*catalog\.json: /,
    ],
    [
      'a config with a plain-http endpoint elsewhere',
      ['scan', '--report', '--inventory', join(INV, 'windows-clean.json'), '--endpoint-url', 'http://192.0.2.1/x'],
      /^ratwatch: flag --endpoint-url: .*https/,
    ],
    [
      'flush with a plain-http endpoint elsewhere',
      ['flush', '--endpoint-url', 'http://192.0.2.1/x', '--spool-dir', join(dir, 'spool-unused')],
      /^ratwatch: flag --endpoint-url: endpoint\.url must be an https URL/,
    ],
    [
      'daemon with a plain-http endpoint elsewhere',
      ['daemon', '--endpoint-url', 'http://192.0.2.1/x', '--spool-dir', join(dir, 'spool-unused')],
      /^ratwatch: flag --endpoint-url: endpoint\.url must be an https URL/,
    ],
    [
      'a report signing key too short to be safe',
      [
        'scan',
        '--report',
        '--inventory',
        join(INV, 'windows-clean.json'),
        '--endpoint-url',
        'https://127.0.0.1:9/x',
        '--hmac-key-file',
        write('short.key', 'abc\n'),
      ],
      /^ratwatch: endpoint\.hmacKeyFile .*short\.key: key shorter than 16 bytes$/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with one line and no stack trace on ${what}`, () => {
      const r = ratwatch(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('replaying saved inventories of other operating systems', () => {
  it('finds every remote tool on the Windows laptop, including the renamed AnyDesk', () => {
    const r = scanJson(join(INV, 'windows-anydesk.json'));
    expect(active(r)).toEqual([
      'anydesk',
      'chrome-remote-desktop',
      'multiple-pointing-devices',
      'multiple-remote-tools',
      'rustdesk',
      'screenconnect',
      'splashtop',
      'teamviewer',
      'windows-rdp',
      'windows-remote-assistance',
    ]);
    // a touchpad and a USB receiver count only because remote access is present too
    expect(r.findings.find((f) => f.tool.id === 'multiple-pointing-devices')?.severity).toBe('low');
    const anydesk = r.findings.find((f) => f.tool.id === 'anydesk')!;
    expect(anydesk.evidence).toContainEqual(
      expect.objectContaining({
        type: 'process',
        pid: 6240,
        name: 'notepad2.exe',
        originalFilename: 'AnyDesk.exe',
        matchedBy: 'pe-metadata',
        renamed: true,
      }),
    );
    expect(anydesk.evidence.some((e) => e.type === 'process' && e.signer?.includes('philandro Software GmbH'))).toBe(true);
  });

  it('finds every remote tool on the Mac, including the renamed AnyDesk and Screen Sharing', () => {
    const r = scanJson(join(INV, 'macos-anydesk.json'));
    expect(active(r)).toEqual([
      'anydesk',
      'chrome-remote-desktop',
      'macos-screen-sharing',
      'multiple-remote-tools',
      'rustdesk',
      'screenconnect',
      'splashtop',
      'ssh-server',
      'teamviewer',
    ]);
    const anydesk = r.findings.find((f) => f.tool.id === 'anydesk')!;
    expect(anydesk.evidence.some((e) => e.type === 'process' && e.renamed && e.pid === 2250 && e.name === 'syncd')).toBe(true);
  });

  it('finds nothing on the clean corporate Windows laptop and Mac (Teams, Zoom, Slack, Office)', () => {
    expect(scanJson(join(INV, 'windows-clean.json')).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(scanJson(join(INV, 'macos-clean.json')).findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('gives the same findings from the saved file as from collecting the captured output directly', async () => {
    const catalog = loadCatalog();
    const now = new Date();
    const live: [string, Inventory][] = [
      ['windows-anydesk.json', await buildWindowsInventory('windows-anydesk')],
      ['windows-clean.json', await buildWindowsInventory('windows-clean')],
      ...(await Promise.all(
        MAC_INVENTORIES.map(async (m) => [m.file, await buildMacInventory(m.fixture, m.hostname)] as [string, Inventory]),
      )),
    ];
    for (const [file, inv] of live) {
      const direct = evaluate(inv, catalog, undefined, now).findings;
      expect(scanJson(join(INV, file)).findings, file).toEqual(direct);
    }
  });

  it('reads an inventory from standard input', () => {
    const r = ratwatch(['scan', '--inventory', '-', '--format', 'summary'], { input: readFileSync(join(INV, 'macos-clean.json'), 'utf8') });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'ratwatch: clean\n', '']);
  });
});

describe('hostile input', () => {
  it('escapes terminal escapes and newlines from process names and paths in every output', () => {
    const inv = inventory('linux', {
      processes: [{ pid: 66, name: 'x11vnc\x1b[2J\x1b]0;owned\x07', exe: '/tmp/\u202eevil\n/x11vnc', cmdline: 'x11vnc \x1b[31m' }],
      packages: [{ name: 'x11vnc', version: '1\r\n2', source: 'dpkg' }],
    });
    const file = write('hostile.json', JSON.stringify(inv));
    for (const format of ['table', 'summary', 'jamf', 'json']) {
      const r = ratwatch(['scan', '--inventory', file, '--format', format]);
      expect(r.code, format).toBe(1);
      expect(r.stdout.replace(/\n/g, ''), format).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    }
    const table = ratwatch(['scan', '--inventory', file]).stdout;
    expect(table).toContain('/tmp/\\u202eevil\\n/x11vnc');
  });
});

describe('a live inventory of this machine', () => {
  it('matches the published schema and replays to a valid scan result', () => {
    const r = ratwatch(['inventory', '--json', '--no-probe']);
    expect(r.code).toBe(0);
    const inv = checkInventory(JSON.parse(r.stdout), 'stdout');
    expect(inv.host.os).toBe('linux');
    expect(inv.processes.length).toBeGreaterThan(1);
    const replay = ratwatch(['scan', '--inventory', '-', '--json'], { input: r.stdout });
    expect([0, 1]).toContain(replay.code);
    const result = checkScanResult(JSON.parse(replay.stdout));
    expect(result.counts.processes).toBe(inv.processes.length);
  });
});
