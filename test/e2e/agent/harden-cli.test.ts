import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../agent/vocabulary.ts';
import type { ScanResult } from '../../../agent/model.ts';
import { ROOT, ratwatchAsync, type CliRun } from '../../helpers/cli.ts';

// Each break found by attacking a root scan from an unprivileged account, replayed through the real CLI.
// `nobody` (uid 65534) is the unprivileged user; the tests run as root like the agent does.
const NOBODY = 65534;
const INV = join(ROOT, 'test/fixtures/inventories');
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-harden-'));
const p = (n: string) => join(dir, n);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One line on stderr, printable ASCII/UTF-8 only (no raw control bytes) */
function oneCleanLine(r: CliRun): string {
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  return r.stderr.slice(0, -1);
}

describe('a user cannot blind a root scan through PATH', () => {
  const procs: ChildProcess[] = [];
  afterAll(() => {
    for (const c of procs) c.kill('SIGKILL');
  });

  it('a planted ps owned by another user earlier in PATH is never run; AnyDesk and a long command line are still seen', async () => {
    // The fake AnyDesk: a copy of sleep under the name the catalog knows
    mkdirSync(p('opt'));
    copyFileSync('/usr/bin/sleep', p('opt/anydesk'));
    chmodSync(p('opt/anydesk'), 0o755);
    procs.push(spawn(p('opt/anydesk'), ['300'], { stdio: 'ignore' }));
    // A 5,000-character first argument before the tunnel host (kept 4,096 characters before)
    procs.push(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', 'x'.repeat(5000), 'serveo.net'], { stdio: 'ignore' }));
    // The planted ps: owned by nobody, prints an empty table, leaves a mark when it runs (as root)
    mkdirSync(p('evil'));
    chmodSync(p('evil'), 0o755);
    writeFileSync(p('evil/ps'), `#!/bin/sh\ntouch ${p('ps-ran')}\necho "  PID COMMAND"\n`, { mode: 0o755 });
    for (const n of ['ss', 'systemctl', 'dpkg-query'])
      writeFileSync(p(`evil/${n}`), `#!/bin/sh\ntouch ${p(`${n}-ran`)}\n`, { mode: 0o755 });
    chownSync(p('evil'), NOBODY, NOBODY);
    for (const n of ['ps', 'ss', 'systemctl', 'dpkg-query']) chownSync(p(`evil/${n}`), NOBODY, NOBODY);
    await new Promise((r) => setTimeout(r, 300));

    const r = await ratwatchAsync(['scan', '--format', 'json', '--no-probe'], {
      env: { PATH: `${p('evil')}:${process.env.PATH}`, RATWATCH_TOKEN: 'tok-must-not-reach-children' },
      timeoutMs: 240_000,
    });
    for (const n of ['ps', 'ss', 'systemctl', 'dpkg-query']) expect(existsSync(p(`${n}-ran`)), `planted ${n} ran`).toBe(false);
    expect(r.code).toBe(EXIT.findings);
    const res = JSON.parse(r.stdout) as ScanResult;
    expect(res.privileged).toBe(true);
    const anydesk = res.findings.find((f) => f.tool.id === 'anydesk');
    expect(anydesk?.evidence.some((e) => e.type === 'process' && e.pid === procs[0].pid)).toBe(true);
    const serveo = res.findings.find((f) => f.tool.id === 'serveo');
    expect(serveo?.evidence.some((e) => e.type === 'cmdline-domain' && e.pid === procs[1].pid && e.host === 'serveo.net')).toBe(true);
  }, 300_000);
});

describe('files that steer a root scan', () => {
  beforeAll(() => {
    execFileSync('mkfifo', [p('fifo')]);
    symlinkSync('/dev/zero', p('zero-link'));
  });

  it('a policy others can write is refused (it could allow AnyDesk), exit 2 in one line', async () => {
    writeFileSync(p('policy.yaml'), 'allow:\n  - tool: anydesk\n    reason: forged\n');
    chmodSync(p('policy.yaml'), 0o666);
    const r = await ratwatchAsync(['scan', '--inventory', join(INV, 'windows-anydesk.json'), '--policy', p('policy.yaml')]);
    expect(r.code).toBe(EXIT.badInput);
    expect(oneCleanLine(r)).toBe(`ratwatch: policy ${p('policy.yaml')}: refused, writable by everyone (mode 666)`);
  });

  it('/dev/zero, a FIFO and a link to them as inventory, policy, catalog, token, HMAC key or CA: exit 2 at once', async () => {
    const inv = join(INV, 'windows-clean.json');
    const cfg = (name: string, key: string, value: string) => {
      writeFileSync(p(name), `endpoint:\n  url: http://127.0.0.1:9/ingest\n  ${key}: ${value}\nspoolDir: ${p(`spool-${name}`)}\n`);
      return p(name);
    };
    const runs: [string[], RegExp][] = [
      [['scan', '--inventory', '/dev/zero'], /^ratwatch: inventory \/dev\/zero: a device, not a regular file$/],
      [['scan', '--inventory', p('fifo')], /: a FIFO, not a regular file$/],
      [['scan', '--inventory', p('zero-link')], /: a device, not a regular file$/],
      [['scan', '--inventory', inv, '--policy', '/dev/zero'], /^ratwatch: policy \/dev\/zero: a device, not a regular file$/],
      [['scan', '--inventory', inv, '--policy', p('zero-link')], /: is a symbolic link \(not followed\)$/],
      [['scan', '--inventory', inv, '--catalog', p('fifo')], /^ratwatch: catalog .*: a FIFO, not a regular file$/],
      [
        ['scan', '--report', '--inventory', inv, '--config', cfg('t.yaml', 'tokenFile', '/dev/zero')],
        /^ratwatch: endpoint.tokenFile \/dev\/zero: a device, not a regular file$/,
      ],
      [
        ['scan', '--report', '--inventory', inv, '--config', cfg('h.yaml', 'hmacKeyFile', p('fifo'))],
        /^ratwatch: endpoint.hmacKeyFile .*: a FIFO, not a regular file$/,
      ],
      [
        ['scan', '--report', '--inventory', inv, '--config', cfg('c.yaml', 'caFile', p('zero-link'))],
        /^ratwatch: endpoint.caFile .*: is a symbolic link \(not followed\)$/,
      ],
    ];
    const results = await Promise.all(runs.map(([args]) => ratwatchAsync(args, { timeoutMs: 120_000 })));
    results.forEach((r, i) => {
      expect(r.code, runs[i][0].join(' ')).toBe(EXIT.badInput);
      expect(oneCleanLine(r)).toMatch(runs[i][1]);
    });
  }, 300_000);

  it('a spool another user pre-created (with a forged report in it) is refused, nothing is sent or rewritten', async () => {
    const spool = p('their-spool');
    mkdirSync(spool, { mode: 0o777 });
    chmodSync(spool, 0o777);
    const forged = join(spool, '000000000001-full-11111111-2222-4333-8444-555555555555.json');
    writeFileSync(forged, '{"forged":true}');
    chownSync(spool, NOBODY, NOBODY);
    chownSync(forged, NOBODY, NOBODY);
    const r = await ratwatchAsync([
      'scan',
      '--report',
      '--inventory',
      join(INV, 'windows-clean.json'),
      '--endpoint-url',
      'http://127.0.0.1:9/ingest',
      '--spool-dir',
      spool,
    ]);
    expect(r.code).toBe(EXIT.badInput);
    expect(oneCleanLine(r)).toBe(`ratwatch: spoolDir ${spool}: refused, is owned by uid ${NOBODY}, not by this user (uid 0)`);
    expect(readFileSync(forged, 'utf8')).toBe('{"forged":true}');
    const proc = await ratwatchAsync(['flush', '--endpoint-url', 'http://127.0.0.1:9/ingest', '--spool-dir', '/proc/self']);
    expect(proc.code).toBe(EXIT.badInput);
    expect(oneCleanLine(proc)).toBe('ratwatch: spoolDir /proc/self: refused, is under /proc');
  }, 120_000);

  it('a world-readable token file and a CA file that is not PEM are refused at start, in one line', async () => {
    writeFileSync(p('token'), 'tok-secret\n', { mode: 0o644 });
    chmodSync(p('token'), 0o644);
    writeFileSync(p('ca.txt'), 'this is not a certificate\n');
    const base = [
      'scan',
      '--report',
      '--inventory',
      join(INV, 'windows-clean.json'),
      '--endpoint-url',
      'http://127.0.0.1:9/ingest',
      '--spool-dir',
      p('spool-ca'),
    ];
    const [tok, ca] = await Promise.all([
      ratwatchAsync([...base, '--token-file', p('token')]),
      ratwatchAsync([...base, '--ca-file', p('ca.txt')]),
    ]);
    expect(tok.code).toBe(EXIT.badInput);
    expect(oneCleanLine(tok)).toBe(`ratwatch: endpoint.tokenFile ${p('token')}: refused, readable by everyone (mode 644); chmod 600 it`);
    expect(ca.code).toBe(EXIT.badInput);
    expect(oneCleanLine(ca)).toBe(`ratwatch: endpoint.caFile ${p('ca.txt')}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it`);
  }, 120_000);
});

describe('inputs that hang or mislead', () => {
  it('a YAML alias bomb is bad input (exit 2), an unknown tag prints no Node warning, parse errors quote no raw bytes', async () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x]',
      ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
    ].join('\n');
    writeFileSync(p('bomb.yaml'), `${bomb}\n`);
    writeFileSync(p('tag.yaml'), 'schedule: !evil\u001b[31m "0 * * * *"\nspoolDir: !!binary \u001b]0;x\u0007\n');
    writeFileSync(p('esc.json'), '{"schema": "ratwatch.inventory/1", \u001b[2J\u0000 }');
    writeFileSync(p('bom.json'), `\ufeff${readFileSync(join(INV, 'windows-anydesk.json'), 'utf8')}`);
    const inv = join(INV, 'windows-clean.json');
    const [b, t, j, bom] = await Promise.all([
      ratwatchAsync(['scan', '--inventory', inv, '--policy', p('bomb.yaml')]),
      ratwatchAsync(['flush', '--config', p('tag.yaml')]),
      ratwatchAsync(['scan', '--inventory', p('esc.json')]),
      ratwatchAsync(['scan', '--inventory', p('bom.json'), '--format', 'summary']),
    ]);
    expect(b.code).toBe(EXIT.badInput);
    expect(oneCleanLine(b)).toMatch(/^ratwatch: policy .*bomb.yaml: .*alias/i);
    expect(t.code).toBe(EXIT.badInput);
    expect(oneCleanLine(t)).not.toMatch(/Warning|YAMLWarning/);
    expect(j.code).toBe(EXIT.badInput);
    expect(oneCleanLine(j)).toMatch(/^ratwatch: inventory .*esc.json: not JSON/);
    expect(bom.code).toBe(EXIT.findings);
    expect(bom.stdout).toMatch(/anydesk/i);
  }, 120_000);

  it('a report the endpoint refuses (4xx) is not announced as delivered', async () => {
    const http = await import('node:http');
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(401, { 'content-type': 'text/plain' }).end('bad token \u001b[31m'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await ratwatchAsync([
        'scan',
        '--report',
        '--inventory',
        join(INV, 'windows-clean.json'),
        '--endpoint-url',
        `http://127.0.0.1:${port}/ingest`,
        '--spool-dir',
        p('spool-401'),
      ]);
      expect(r.code).toBe(EXIT.clean);
      const lines = r.stderr.trim().split('\n');
      expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(lines.at(-1)).toMatch(
        /^ratwatch: report [0-9a-f-]{36} \(full\) rejected by the endpoint \(1 report\(s\) moved to rejected\/\)$/,
      );
      expect(r.stderr).not.toMatch(/delivered/);
    } finally {
      server.close();
    }
  }, 120_000);
});

describe('exit codes', () => {
  it('docs/deploy.md states the codes defined in agent/vocabulary.ts', () => {
    const doc = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
    const line = /^Exit codes are the same everywhere[\s\S]*?\n\n/m.exec(doc)![0].replace(/\s+/g, ' ');
    const stated = [...line.matchAll(/\*\*(\d+)\*\*/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(stated).toEqual([...new Set(Object.values(EXIT))].sort((a, b) => a - b));
    expect(line).toContain(`**${EXIT.internal}** internal error`);
  });

  it('subcommands that succeed exit 0', async () => {
    const [v, h, f] = await Promise.all([
      ratwatchAsync(['--version']),
      ratwatchAsync(['help']),
      ratwatchAsync(['flush', '--endpoint-url', 'http://127.0.0.1:9/ingest', '--spool-dir', p('spool-empty')]),
    ]);
    expect([v.code, h.code, f.code]).toEqual([0, 0, 0]);
    expect(f.stderr).toBe('ratwatch: flush: sent 0, pending 0, rejected 0, quarantined 0\n');
  }, 120_000);
});
