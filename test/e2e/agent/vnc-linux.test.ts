import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, ScanResult } from '../../../agent/model.ts';
import { ratwatch } from '../../helpers/cli.ts';
import { ocsfEventsOf, ocsfRuleBreaks } from '../../helpers/ocsf-events.ts';
import { canConnect, freePort, start, waitFor, type Started } from '../../helpers/procs.ts';

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
  started.push(
    start('x11vnc', ['-display', `:${display}`, '-localhost', '-rfbport', String(x11vncPort), '-forever', '-shared', '-nopw', '-quiet']),
  );
  // A renamed copy, the way someone hides a tool from a name-based check
  const renamed = join(dir, 'sysmond');
  copyFileSync('/usr/bin/x11vnc', renamed);
  renamedPort = await freePort();
  const r = start(renamed, [
    '-display',
    `:${display}`,
    '-localhost',
    '-rfbport',
    String(renamedPort),
    '-forever',
    '-shared',
    '-nopw',
    '-quiet',
  ]);
  started.push(r);
  renamedPid = r.child.pid!;

  const tigerDisplay = freeDisplay() + 1;
  tigerPort = await freePort();
  started.push(
    start('Xtigervnc', [
      `:${tigerDisplay}`,
      '-localhost',
      '-rfbport',
      String(tigerPort),
      '-SecurityTypes',
      'None',
      '-geometry',
      '640x480',
      '-nolisten',
      'tcp',
    ]),
  );

  for (const [port, name] of [
    [x11vncPort, 'x11vnc'],
    [renamedPort, 'renamed x11vnc'],
    [tigerPort, 'Xtigervnc'],
  ] as const) {
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
  it('maps to OCSF events that keep the object rules, x11vnc as a process with its pid and listening socket', () => {
    const events = ocsfEventsOf(result);
    for (const e of events) expect(ocsfRuleBreaks(e), e.finding_info.uid).toEqual([]);
    const x = events.find((e) => e.activity_id === 1 && e.finding_info.analytic.uid === 'x11vnc')!;
    const procs = x.evidences.filter((e: any) => e.process).map((e: any) => e.process);
    expect(procs).toContainEqual(expect.objectContaining({ name: 'x11vnc', pid: expect.any(Number) }));
    expect(x.evidences).toContainEqual(
      expect.objectContaining({
        name: 'socket',
        src_endpoint: { ip: '127.0.0.1', port: x11vncPort },
        connection_info: expect.objectContaining({ direction_id: 4, direction: 'Local', protocol_num: 6 }),
      }),
    );
    expect(x.observables).toContainEqual({ name: 'evidences.process.name', type_id: 9, type: 'Process Name', value: 'x11vnc' });
  });

  it('gives exactly one x11vnc finding, running, with its process, package, socket and RFB banner', () => {
    expect(result.findings.filter((x) => x.tool.id === 'x11vnc')).toHaveLength(1);
    const f = tool(result, 'x11vnc');
    expect(f.status).toBe('finding');
    expect(f.state).toBe('running');
    expect(f.attack).toContain('T1219');
    expect(f.evidence).toContainEqual(expect.objectContaining({ type: 'process', strength: 'strong', name: 'x11vnc', matchedBy: 'name' }));
    expect(f.evidence).toContainEqual(
      expect.objectContaining({ type: 'package', name: 'x11vnc', manager: 'dpkg', version: expect.any(String) }),
    );
    expect(f.evidence).toContainEqual(
      expect.objectContaining({ type: 'socket', localAddress: '127.0.0.1', localPort: x11vncPort, state: 'LISTEN' }),
    );
    expect(f.evidence).toContainEqual(
      expect.objectContaining({ type: 'banner', port: x11vncPort, text: expect.stringMatching(/^RFB 00\d\.00\d/) }),
    );
  });

  it('finds the renamed copy of x11vnc by its identity, not its name, with its own listener', () => {
    const f = tool(result, 'x11vnc');
    expect(f.evidence).toContainEqual(
      expect.objectContaining({
        type: 'process',
        pid: renamedPid,
        name: 'sysmond',
        renamed: true,
        copyOf: '/usr/bin/x11vnc',
        matchedBy: expect.stringMatching(/^(hash|build-id)$/),
      }),
    );
    expect(f.evidence).toContainEqual(expect.objectContaining({ type: 'banner', port: renamedPort, pid: renamedPid }));
  });

  it('finds TigerVNC by its server process and package, with its own banner', () => {
    const f = tool(result, 'tigervnc');
    expect(f.state).toBe('running');
    expect(f.evidence).toContainEqual(expect.objectContaining({ type: 'process', name: expect.stringMatching(/^Xtigervnc/) }));
    expect(f.evidence).toContainEqual(expect.objectContaining({ type: 'package', name: 'tigervnc-standalone-server' }));
    expect(f.evidence).toContainEqual(expect.objectContaining({ type: 'banner', port: tigerPort }));
  });

  it('makes no generic VNC finding for listeners whose program is known', () => {
    const generic = result.findings.find((x) => x.tool.id === 'vnc');
    for (const port of [x11vncPort, renamedPort, tigerPort]) {
      expect(generic?.evidence.some((e) => e.type === 'banner' && e.port === port) ?? false).toBe(false);
    }
  });

  it('says which sources ran', () => {
    const names = result.sources.map((s) => s.name);
    for (const n of ['linux.processes', 'linux.dpkg', 'linux.sockets', 'linux.usb']) expect(names).toContain(n);
    expect(result.sources.find((s) => s.name === 'linux.processes')?.ok).toBe(true);
  });
});
