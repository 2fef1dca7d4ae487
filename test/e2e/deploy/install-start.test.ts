// A default install that starts: install.sh (no --config) into a scratch root, then the installed unit's
// ExecStart run as it is written, its absolute paths taken inside that root (what RootDirectory= would do;
// there is no systemd here to run it). The daemon must run and spool without an endpoint, and deliver
// everything once endpoint.url is added and it is restarted. The second run is traced with strace -f and
// every system call it and its child programs made must pass the unit's SystemCallFilter, expanded by
// systemd-analyze itself.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/procs.ts';
import { makeCerts, startReceiver, type Certs, type Receiver } from '../../helpers/report-helpers.ts';
import { pendingReports } from '../../helpers/spool.ts';

const DEPLOY = path.join(ROOT, 'scripts/deploy');
const tmp = mkdtempSync(path.join(tmpdir(), 'ratwatch-install-start-'));
const dest = path.join(tmp, 'root');
let certs: Certs;
let rx: Receiver | undefined;

function need(cmd: string, pkg: string): void {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is missing: install the Debian package ${pkg} (scripts/setup-test-host.sh does)`);
}

beforeAll(() => {
  need('strace', 'strace');
  need('systemd-analyze', 'systemd');
  certs = makeCerts(tmp);
  // the stand-in for the release executable: the agent's own CLI through tsx
  const cli = path.join(tmp, 'ratwatch-cli');
  writeFileSync(cli, `#!/bin/sh\nexec "${ROOT}/node_modules/.bin/tsx" "${ROOT}/agent/main.ts" "$@"\n`);
  chmodSync(cli, 0o755);
  const r = spawnSync('bash', [path.join(DEPLOY, 'install.sh'), '--binary', cli], {
    encoding: 'utf8',
    env: { ...process.env, DESTDIR: dest, RATWATCH_INSTALL_OS: 'Linux' },
    timeout: 120_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(
    'note: no endpoint.url in /etc/ratwatch.yaml: reports stay in the spool until one is set and the agent restarted\n',
  );
}, 120_000);

const started: ChildProcess[] = [];

afterAll(async () => {
  // a failed run must not leave a daemon behind: strace killed would leave its tracee running
  for (const c of started) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    for (const pid of descendants(c.pid!).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    c.kill('SIGKILL');
  }
  await rx?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Key=value lines of the installed unit's [Service] section. */
function unitService(): Array<[string, string]> {
  const text = readFileSync(path.join(dest, 'etc/systemd/system/ratwatch.service'), 'utf8');
  const body = text.split(/^\[Service\]$/m)[1].split(/^\[/m)[0];
  return body
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

/** ExecStart with its absolute paths inside the scratch root. */
function execStart(): string[] {
  const line = unitService().find(([k]) => k === 'ExecStart')![1];
  return line.split(/\s+/).map((a) => (a.startsWith('/') ? path.join(dest, a) : a));
}

// StateDirectory=ratwatch is /var/lib/ratwatch; systemd makes it, here it is the scratch root's. Jitter 0
// so the test does not wait up to five minutes for the first cycle; everything else is the default config.
const env = { ...process.env, RATWATCH_SPOOL_DIR: path.join(dest, 'var/lib/ratwatch/spool'), RATWATCH_JITTER_SECONDS: '0' };

function start(argv: string[]) {
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), 500_000);
  void exited.then(() => clearTimeout(guard));
  return { child, exited, err: () => err };
}

function childrenOf(pid: number): number[] {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return [];
  }
  return text ? text.split(/\s+/).map(Number) : [];
}

function descendants(pid: number, depth = 0): number[] {
  if (depth > 8) return [];
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c, depth + 1)]);
}

const spooled = () => pendingReports(path.join(dest, 'var/lib/ratwatch/spool'));

/** Every syscall a SystemCallFilter= list allows: allow-lists joined, ~deny-lists taken away, groups expanded by systemd-analyze. */
function allowedSyscalls(lines: string[]): Set<string> {
  const expand = (name: string, seen = new Set<string>()): string[] => {
    if (!name.startsWith('@')) return [name];
    if (seen.has(name)) return [];
    seen.add(name);
    const out = execFileSync('systemd-analyze', ['syscall-filter', name], { encoding: 'utf8' });
    return out
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean)
      .flatMap((x) => expand(x, seen));
  };
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const l of lines) {
    const deny = l.startsWith('~');
    for (const item of l.replace(/^~/, '').split(/\s+/).filter(Boolean)) for (const s of expand(item)) (deny ? denied : allowed).add(s);
  }
  for (const s of denied) allowed.delete(s);
  return allowed;
}

describe('install.sh without --config, then the unit ExecStart', () => {
  it('runs, keeps its report in the spool without an endpoint, and delivers everything once one is set', async () => {
    const argv = execStart();
    expect(argv.slice(1)).toEqual(['daemon', '--config', path.join(dest, 'etc/ratwatch.yaml')]);
    expect(unitService()).toContainEqual(['RestartPreventExitStatus', '2']);

    const first = start(argv);
    await waitFor(
      () => /cycle 1: full report #1 .*no endpoint\.url configured: kept in the spool \(1 waiting\)/.test(first.err()),
      240_000,
      'the first cycle',
    );
    expect(first.err()).toContain('ratwatch: no endpoint.url: reports are kept in the spool; add endpoint.url to ');
    expect(first.child.exitCode).toBeNull(); // still running: no exit 2, nothing for systemd to restart
    expect(spooled()).toHaveLength(1);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    rx = await startReceiver(certs);
    appendFileSync(path.join(dest, 'etc/ratwatch.yaml'), `endpoint:\n  url: ${rx.url}\n  caFile: ${certs.caFile}\n`);
    const trace = path.join(tmp, 'strace.txt');
    const second = start(['strace', '-f', '-qq', '-o', trace, ...argv]);
    await waitFor(() => /cycle 1: \w+ report #2 .*sent 2, pending 0/.test(second.err()), 400_000, 'delivery after restart');
    // strace passes a signal sent to it on to nobody: stop the traced program itself
    for (const pid of childrenOf(second.child.pid!)) process.kill(pid, 'SIGTERM');
    expect(await second.exited).toBe(0);
    expect(rx.received.map((r) => r.headers['x-ratwatch-sequence'])).toEqual(['1', '2']);
    expect(rx.received[0].headers['x-ratwatch-report-kind']).toBe('full');
    expect(spooled()).toEqual([]);

    const used = new Set<string>();
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      const m = /^\d+\s+([a-z0-9_]+)\(/.exec(line);
      if (m) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(30);
    expect(used).toContain('connect');
    expect(used).toContain('execve');
    const filter = unitService()
      .filter(([k]) => k === 'SystemCallFilter')
      .map(([, v]) => v);
    expect(filter.length).toBeGreaterThan(0);
    const allowed = allowedSyscalls(filter);
    expect([...used].filter((s) => !allowed.has(s)).sort()).toEqual([]);
  }, 700_000);
});
