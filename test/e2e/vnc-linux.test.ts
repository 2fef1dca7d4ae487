import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, ScanResult } from '../../agent/model.ts';
import { ratwatch } from '../helpers/cli.ts';
import { canConnect, freePort, start, waitFor, type Started } from '../helpers/procs.ts';

// Real VNC servers from Debian (x11vnc under Xvfb, TigerVNC's Xtigervnc), bound to 127.0.0.1 only, and
// a real `ratwatch scan` of this machine. .ci/run installs the packages; a machine without them fails
// here loudly rather than skipping.

function freeDisplay(): number {
  for (let n = 40 + Math.floor(Math.random() * 400); n < 1000; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

function tool(r: ScanResult, id: string): Finding {
  const f = r.findings.find((x) => x.tool.id === id);
  if (!f) throw new Error(`no finding for ${id}; found: ${r.findings.map((x) => x.tool.id).join(', ')}`);
  return f;
}

const started: Started[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-vnc-'));
let x11vncPort = 0;
let renamedPort = 0;
let tigerPort = 0;
let renamedPid = 0;
let result: ScanResult;

beforeAll(async () => {
  for (const bin of ['/usr/bin/x11vnc', '/usr/bin/Xvfb', '/usr/bin/Xtigervnc']) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run .ci/run or apt-get install x11vnc xvfb tigervnc-standalone-server`);
  }
  const display = freeDisplay();
  const xvfb = start('Xvfb', [`:${display}`, '-nolisten', 'tcp', '-screen', '0', '800x600x24']);
  started.push(xvfb);
  await waitFor(() => existsSync(`/tmp/.X11-unix/X${display}`), 15_000, 'Xvfb');

  x11vncPort = await freePort();
  started.push(start('x11vnc', ['-display', `:${display}`, '-localhost', '-rfbport', String(x11vncPort), '-forever', '-shared', '-nopw', '-quiet']));
  // A renamed copy, the way someone hides a tool from a name-based check
  const renamed = join(dir, 'sysmond');
  copyFileSync('/usr/bin/x11vnc', renamed);
  renamedPort = await freePort();
  const r = start(renamed, ['-display', `:${display}`, '-localhost', '-rfbport', String(renamedPort), '-forever', '-shared', '-nopw', '-quiet']);
  started.push(r);
  renamedPid = r.child.pid!;

  const tigerDisplay = freeDisplay() + 1;
  tigerPort = await freePort();
  started.push(start('Xtigervnc', [`:${tigerDisplay}`, '-localhost', '-rfbport', String(tigerPort), '-SecurityTypes', 'None', '-geometry', '640x480', '-nolisten', 'tcp']));

  for (const [port, name] of [[x11vncPort, 'x11vnc'], [renamedPort, 'renamed x11vnc'], [tigerPort, 'Xtigervnc']] as const) {
    await waitFor(() => canConnect(port), 20_000, `${name} on 127.0.0.1:${port}`);
  }
  const run = ratwatch(['scan', '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(1);
  result = JSON.parse(run.stdout) as ScanResult;
}, 120_000);

afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real scan of this machine with VNC servers running', () => {
  it('finds x11vnc by its process, its Debian package and its listening port', () => {
    const f = tool(result, 'x11vnc');
    expect(f.status).toBe('finding');
    expect(f.attack).toContain('T1219');
    const types = new Set(f.evidence.map((e) => e.type));
    expect(types).toContain('process');
    expect(f.evidence.some((e) => e.type === 'package' && e.value.startsWith('x11vnc ') && e.value.endsWith('(dpkg)'))).toBe(true);
    expect(f.evidence.some((e) => e.type === 'socket' && e.value.includes(`127.0.0.1:${x11vncPort}`) && e.value.includes('LISTEN'))).toBe(true);
  });

  it('finds the renamed copy of x11vnc by its identity, not its name', () => {
    const f = tool(result, 'x11vnc');
    const ev = f.evidence.find((e) => e.type === 'process-renamed' && e.value.includes(`pid ${renamedPid}`));
    expect(ev?.value).toMatch(/^sysmond \(pid \d+\) is a copy of \/usr\/bin\/x11vnc \((sha256|buildid):[0-9a-f]+\)$/);
    expect(f.evidence.some((e) => e.type === 'socket' && e.value.includes(`:${renamedPort}`))).toBe(true);
  });

  it('finds TigerVNC by its server process and package', () => {
    const f = tool(result, 'tigervnc');
    expect(f.evidence.some((e) => e.type === 'process' && e.value.startsWith('Xtigervnc'))).toBe(true);
    expect(f.evidence.some((e) => e.type === 'package' && e.value.startsWith('tigervnc-standalone-server'))).toBe(true);
  });

  it('sees every VNC listener by its RFB banner, whatever the program', () => {
    const banners = result.findings.flatMap((f) => f.evidence.filter((e) => e.type === 'banner'));
    for (const port of [x11vncPort, renamedPort, tigerPort]) {
      expect(banners.some((e) => e.value.includes(`:${port} `) && /answers "RFB 00\d\.00\d/.test(e.value))).toBe(true);
    }
  });

  it('says which sources ran', () => {
    const names = result.sources.map((s) => s.name);
    for (const n of ['linux.processes', 'linux.dpkg', 'linux.sockets', 'linux.usb']) expect(names).toContain(n);
    expect(result.sources.find((s) => s.name === 'linux.processes')?.ok).toBe(true);
  });
});
