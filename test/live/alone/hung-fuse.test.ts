import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../agent/catalog/load.ts';
import type { Inventory } from '../../../agent/model.ts';
import { RealRunner } from '../../../agent/runner.ts';
import { collectHost } from '../../../agent/scan.ts';
import { ROOT } from '../../helpers/paths.ts';

// A FUSE file system whose server stops answering: every later stat, open, read or readlink there waits in
// the kernel (an sshfs to a silent server, a user's own FUSE server). On it: a program run from it, a script
// interpreted from it, and a page mapped by helpers/memory-holder.py, which uses it to make one process's
// command line unreadable without waiting (agent/proc-memory.ts). The scan must finish with the rest of the
// inventory, say what it could not read, scan again in the same process and exit.
//
// This file runs alone, after every other test file (vitest.config.ts): while the memory is held, `ps` and
// any other reader of that command line wait. Nothing here may outlive it either: the FUSE server ends
// itself after SERVER_LIFETIME_S whatever happens to this process (a scan stuck in it included), which
// frees every process waiting on the mount, and each scan runs as a child killed with its process group.
// Needs root, /dev/fuse and Debian's fuse3 and python3-fusepy (scripts/setup-test-host.sh).

const PYTHON = '/usr/bin/python3';
const SERVER = join(ROOT, 'test', 'helpers', 'hung-fuse.py');
const HOLDER = join(ROOT, 'test', 'helpers', 'memory-holder.py');
// far above what the scans need (a few delegated calls given up after 10 s, one after 3 s): only a hang
const SCAN_LIMIT_MS = 100_000;
const SERVER_LIFETIME_S = 280;

let dir = '';
let mnt = '';
let flag = '';
let server: ChildProcess | undefined;
const programs: ChildProcess[] = [];
let exePid = 0;
let scriptPid = 0;
let heldPid = 0;

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

/** /proc/<pid>/stat's state letter: the file is the kernel's and never waits on the process's memory. */
function stateOf(pid: number): string {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[0] ?? '';
}

function need(): void {
  if (!existsSync('/dev/fuse')) throw new Error('/dev/fuse is missing: this test needs a kernel with FUSE');
  if (process.getuid?.() !== 0) throw new Error('this test mounts a FUSE file system and must run as root');
  const py = spawnSync(PYTHON, ['-c', 'import fusepy'], { encoding: 'utf8', timeout: 10_000 });
  if (py.status !== 0)
    throw new Error(`python3-fusepy is missing (scripts/setup-test-host.sh installs it): ${py.stderr.trim().split('\n').at(-1)}`);
}

/** Runs the real CLI in a process group of its own; gives up (code -1) and kills the group when it hangs. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
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
  // the process whose memory is held is listed by its executable, without the command line it would wait for
  const held = byPid.get(heldPid);
  expect(held?.exe).toMatch(/^\/usr\/bin\/python3/);
  expect(held?.cmdline).toBeUndefined();
  // the rest of the inventory is there: other processes with their command lines and fingerprints, the
  // dpkg database, units
  expect(byPid.get(process.pid)?.cmdline).toContain(process.execPath);
  expect(byPid.get(process.pid)?.identity?.elfBuildId).toMatch(/^[0-9a-f]{40}$/);
  expect(inv.packages.length).toBeGreaterThan(50);
  for (const name of ['linux.processes', 'linux.dpkg', 'linux.identity'])
    expect(inv.sources.find((s) => s.name === name)?.ok, name).toBe(true);
  // and what could not be read is said, in one line
  const unanswered = inv.sources.find((s) => s.name === 'unanswered');
  expect(unanswered?.ok).toBe(false);
  expect(unanswered?.error).toContain(`fuse mount ${mnt}`);
  expect(unanswered?.error).toContain(`the memory of process ${heldPid}`);
  expect(unanswered?.error).not.toContain('\n');
}

describe('a FUSE file system that stops answering, and a process whose memory waits on it', () => {
  beforeAll(async () => {
    need();
    dir = mkdtempSync('/tmp/ratwatch-hung-fuse-');
    mnt = join(dir, 'mnt');
    flag = join(dir, 'hang');
    mkdirSync(mnt);
    copyFileSync('/usr/bin/sleep', join(dir, 'fuse-sleeper'));
    writeFileSync(join(dir, 'tool.sh'), '#!/bin/sh\nsleep 100000\n', { mode: 0o755 });
    writeFileSync(join(dir, 'page.bin'), Buffer.alloc(4096, 7));
    let log = '';
    const served = ['fuse-sleeper', 'tool.sh', 'page.bin'].map((f) => join(dir, f));
    server = spawn(PYTHON, [SERVER, mnt, flag, String(SERVER_LIFETIME_S), ...served], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await until(`mounting FUSE on ${mnt} (${log.trim() || 'no output'})`, () => mounted(mnt));
    // started while the file system still answers: a binary run from it, a script interpreted from it, and
    // the parent that will hold its child's memory
    const a = spawn(join(mnt, 'fuse-sleeper'), ['100000'], { stdio: 'ignore' });
    const b = spawn('/bin/sh', [join(mnt, 'tool.sh')], { stdio: 'ignore' });
    const h = spawn(PYTHON, [HOLDER, join(mnt, 'page.bin'), flag], { stdio: ['ignore', 'pipe', 'inherit'] });
    programs.push(a, b, h);
    exePid = a.pid!;
    scriptPid = b.pid!;
    let held = '';
    h.stdout?.on('data', (c: Buffer) => (held += c.toString()));
    await until('the programs starting from the FUSE mount', () => {
      try {
        return (
          readlinkSync(`/proc/${exePid}/exe`) === join(mnt, 'fuse-sleeper') &&
          readFileSync(`/proc/${scriptPid}/cmdline`, 'utf8').includes('tool.sh') &&
          /^\d+\n/.test(held)
        );
      } catch {
        return false;
      }
    });
    heldPid = Number(held.split('\n')[0]);
    writeFileSync(flag, '');
    await sleep(500); // past the kernel's attribute and name cache (0.1 s): every call now reaches the silent server
    await until(`process ${heldPid} waiting on its own memory`, () => stateOf(heldPid) === 'D');
  }, 60_000);

  afterAll(() => {
    // the server's death aborts every call still waiting on it (the agent's abandoned helpers, the memory
    // holder's read); the programs' own waits are killable
    for (const p of programs) p.kill('SIGKILL');
    if (heldPid) spawnSync('/bin/kill', ['-KILL', String(heldPid)], { timeout: 5_000 });
    server?.kill('SIGKILL');
    if (mnt && mounted(mnt)) {
      const u = spawnSync('fusermount3', ['-u', '-z', mnt], { encoding: 'utf8', timeout: 10_000 });
      if (u.status !== 0) spawnSync('umount', ['-l', mnt], { timeout: 10_000 });
    }
    if (dir && !mounted(mnt)) rmSync(dir, { recursive: true, force: true });
  });

  // first, while the FUSE server still has idle threads: it takes stat's request and never answers, so the
  // killed stat cannot die (it would once the server's threads are all taken, the request left unread)
  it('a program that cannot die after its timeout is given up, not waited for', async () => {
    const stat = new RealRunner().exec('stat', ['--', join(mnt, 'page.bin')], { timeoutMs: 1_000 });
    await expect(stat).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('the CLI scan finishes, reports the rest of the inventory and what it could not read, and exits', async () => {
    const r = await cli(['inventory', '--json']);
    expect(r.code, r.stderr).toBe(0);
    checkInventory(JSON.parse(r.stdout) as Inventory);
  }, 120_000);

  it('scans twice in one process: the second skips the mount and the process that did not answer', async () => {
    const catalog = loadCatalog();
    const first = await collectHost({ catalog, allowProbes: false });
    checkInventory(first);
    const second = await collectHost({ catalog, allowProbes: false });
    checkInventory(second);
    const line = second.sources.find((s) => s.name === 'unanswered')?.error;
    expect(line).toContain(`skipped (no answer earlier): fuse mount ${mnt}`);
    expect(line).toContain(`skipped (no answer earlier): the memory of process ${heldPid}`);
    expect(line).not.toContain('no answer from');
  }, 120_000);
});
