import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../agent/catalog/load.ts';
import type { Inventory } from '../../../agent/model.ts';
import { collectHost } from '../../../agent/scan.ts';
import { ROOT } from '../../helpers/paths.ts';

// A program running from a FUSE file system whose server stops answering: every later stat, open, read or
// readlink there waits in the kernel for good (an sshfs to a silent server, a user's own FUSE server). The
// agent looks at the program's binary (/proc/<pid>/exe) and, for a script, the script file: the scan must
// still finish, with the rest of the inventory, say what it could not read, and the process must be able to
// scan again and to exit. Needs /dev/fuse and Debian's fuse3 and python3-fusepy (scripts/setup-test-host.sh).

const PYTHON = '/usr/bin/python3';
const SERVER = join(ROOT, 'test', 'helpers', 'hung-fuse.py');
// far above what the scan needs (a few delegated calls given up after 10 s each): only a hang reaches it
const SCAN_LIMIT_MS = 150_000;

let dir = '';
let mnt = '';
let flag = '';
let server: ChildProcess | undefined;
const programs: ChildProcess[] = [];
let exePid = 0;
let scriptPid = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mounted(point: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === point);
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not happen within 10 s`);
}

function need(): void {
  if (!existsSync('/dev/fuse')) throw new Error('/dev/fuse is missing: this test needs a kernel with FUSE');
  if (process.getuid?.() !== 0) throw new Error('this test mounts a FUSE file system and must run as root');
  const py = spawnSync(PYTHON, ['-c', 'import fusepy'], { encoding: 'utf8' });
  if (py.status !== 0)
    throw new Error(`python3-fusepy is missing (scripts/setup-test-host.sh installs it): ${py.stderr.trim().split('\n').at(-1)}`);
}

/** Runs the real CLI as a child and gives up waiting (code -1) when it does not exit: that is the failure. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'agent', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.unref();
      resolve({ code: -1, stdout, stderr: `${stderr}\n(did not exit within ${SCAN_LIMIT_MS / 1000} s)` });
    }, SCAN_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function checkInventory(inv: Inventory): void {
  const byPid = new Map(inv.processes.map((p) => [p.pid, p]));
  // the program from the hung file system is listed, by the path it runs from, without a fingerprint
  const exe = byPid.get(exePid);
  expect(exe?.exe).toBe(join(mnt, 'fuse-sleeper'));
  expect(exe?.identity).toBeUndefined();
  const script = byPid.get(scriptPid);
  expect(script?.script?.path).toBe(join(mnt, 'tool.sh'));
  expect(script?.script?.identity).toBeUndefined();
  // the rest of the inventory is there: other processes with their fingerprints, the dpkg database, units
  expect(byPid.get(process.pid)?.identity?.elfBuildId).toMatch(/^[0-9a-f]{40}$/);
  expect(inv.packages.length).toBeGreaterThan(50);
  for (const name of ['linux.processes', 'linux.dpkg', 'linux.identity'])
    expect(inv.sources.find((s) => s.name === name)?.ok, name).toBe(true);
  // and what could not be read is said, in one line
  const fsSource = inv.sources.find((s) => s.name === 'file-systems');
  expect(fsSource?.ok).toBe(false);
  expect(fsSource?.error).toContain(`fuse mount ${mnt}`);
  expect(fsSource?.error).not.toContain('\n');
}

describe('a FUSE file system that stops answering', () => {
  beforeAll(async () => {
    need();
    dir = mkdtempSync('/tmp/ratwatch-hung-fuse-');
    mnt = join(dir, 'mnt');
    flag = join(dir, 'hang');
    mkdirSync(mnt);
    copyFileSync('/usr/bin/sleep', join(dir, 'fuse-sleeper'));
    writeFileSync(join(dir, 'tool.sh'), '#!/bin/sh\nsleep 100000\n', { mode: 0o755 });
    let log = '';
    server = spawn(PYTHON, [SERVER, mnt, flag, join(dir, 'fuse-sleeper'), join(dir, 'tool.sh')], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await until(`mounting FUSE on ${mnt} (${log.trim() || 'no output'})`, () => mounted(mnt));
    // started while the file system still answers: a binary run from it, and a script interpreted from it
    const a = spawn(join(mnt, 'fuse-sleeper'), ['100000'], { stdio: 'ignore' });
    const b = spawn('/bin/sh', [join(mnt, 'tool.sh')], { stdio: 'ignore' });
    programs.push(a, b);
    exePid = a.pid!;
    scriptPid = b.pid!;
    await until('the programs starting from the FUSE mount', () => {
      try {
        return (
          readlinkSync(`/proc/${exePid}/exe`) === join(mnt, 'fuse-sleeper') &&
          readFileSync(`/proc/${scriptPid}/cmdline`, 'utf8').includes('tool.sh')
        );
      } catch {
        return false;
      }
    });
    writeFileSync(flag, '');
    await sleep(500); // past the kernel's attribute and name cache (0.1 s): every call now reaches the silent server
  });

  afterAll(() => {
    for (const p of programs) p.kill('SIGKILL');
    // the server's death aborts every call still waiting on it (the agent's abandoned helpers included)
    server?.kill('SIGKILL');
    if (mnt && mounted(mnt)) {
      const u = spawnSync('fusermount3', ['-u', '-z', mnt], { encoding: 'utf8' });
      if (u.status !== 0) spawnSync('umount', ['-l', mnt]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI scan finishes, reports the rest of the inventory and what it could not read, and exits', async () => {
    const r = await cli(['inventory', '--json']);
    expect(r.code, r.stderr).toBe(0);
    checkInventory(JSON.parse(r.stdout) as Inventory);
  }, 200_000);

  it('scans twice in one process: the second skips the mount that did not answer', async () => {
    const catalog = loadCatalog();
    const first = await collectHost({ catalog, allowProbes: false });
    checkInventory(first);
    const second = await collectHost({ catalog, allowProbes: false });
    checkInventory(second);
    expect(second.sources.find((s) => s.name === 'file-systems')?.error).toMatch(/^skipped \(no answer earlier\): fuse mount /);
  }, 200_000);
});
