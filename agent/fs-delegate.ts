import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type DirEntry, type FileStat, RunnerError } from './runner.ts';
import { childEnv, resolveProgram } from './system-programs.ts';

// File calls on a path that may lead to a file system whose server never answers (fs-reach.ts), made by a
// short-lived system program instead of the agent's own threads. A program that sends nothing for
// DELEGATE_IDLE_MS is given up: killed, its pipes closed and forgotten, so the agent goes on and can exit;
// the program itself may stay stuck in the kernel until the file system answers, which nothing can shorten.

/** Silence after which a delegated call counts as unanswered. Local disks answer in milliseconds. */
export const DELEGATE_IDLE_MS = 10_000;

interface Ran {
  stdout: Buffer;
  stderr: string;
  code: number;
}

function errnoOf(stderr: string): string {
  if (/No such file or directory/.test(stderr)) return 'ENOENT';
  if (/Permission denied|Operation not permitted/.test(stderr)) return 'EACCES';
  if (/Not a directory/.test(stderr)) return 'ENOTDIR';
  if (/Too many levels of symbolic links/.test(stderr)) return 'ELOOP';
  if (/Invalid argument/.test(stderr)) return 'EINVAL';
  return 'EIO';
}

/**
 * Runs a system program on one path. `onData` takes stdout as it comes (a hash) instead of keeping it;
 * otherwise at most maxBytes are kept. Rejects with ETIMEDOUT after idleMs without output or exit.
 */
function run(
  program: string,
  args: string[],
  what: string,
  opts: { maxBytes?: number; onData?: (chunk: Buffer) => void; idleMs: number },
): Promise<Ran> {
  const resolved = resolveProgram(program);
  if ('error' in resolved) return Promise.reject(new RunnerError(`cannot ${what}: ${resolved.error}`, resolved.code));
  return new Promise((resolve, reject) => {
    const child = spawn(resolved.path, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const out: Buffer[] = [];
    let kept = 0;
    let err = '';
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const giveUp = () =>
      settle(() => {
        // the program may be stuck for good: nothing of it may keep the agent waiting or alive
        child.kill('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
        child.unref();
        reject(new RunnerError(`cannot ${what}: no answer within ${opts.idleMs / 1000} s`, 'ETIMEDOUT'));
      });
    let timer = setTimeout(giveUp, opts.idleMs);
    const alive = () => {
      clearTimeout(timer);
      if (!settled) timer = setTimeout(giveUp, opts.idleMs);
    };
    child.stdout.on('data', (c: Buffer) => {
      alive();
      if (opts.onData) return opts.onData(c);
      const max = opts.maxBytes ?? 0;
      if (kept < max) out.push(c.subarray(0, max - kept));
      kept += Math.min(c.length, Math.max(0, max - kept));
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 4096) err += c.toString('utf8');
    });
    child.once('error', (e) => settle(() => reject(new RunnerError(`cannot ${what}: ${e.message.split('\n')[0]}`, 'EIO'))));
    child.once('close', (code) => settle(() => resolve({ stdout: Buffer.concat(out), stderr: err, code: code ?? -1 })));
  });
}

function failed(r: Ran, what: string): RunnerError {
  const code = errnoOf(r.stderr);
  return new RunnerError(`cannot ${what}: ${code}`, code);
}

/** stat -L: follows links, as fs.stat does. %f is the raw mode in hex. */
export async function delegatedStat(path: string, idleMs = DELEGATE_IDLE_MS): Promise<FileStat> {
  const r = await run('stat', ['-L', '--printf=%f %s %d %i %.9Y %.9Z', '--', path], `stat ${path}`, { maxBytes: 256, idleMs });
  if (r.code !== 0) throw failed(r, `stat ${path}`);
  const [mode, size, dev, ino, mtime, ctime] = r.stdout.toString('utf8').split(' ');
  const fmt = Number.parseInt(mode, 16) & 0o170000;
  return {
    size: Number(size),
    isFile: fmt === 0o100000,
    isDir: fmt === 0o040000,
    dev: Number(dev),
    ino: Number(ino),
    mtimeMs: Number(mtime) * 1000,
    ctimeMs: Number(ctime) * 1000,
  };
}

async function regular(path: string, idleMs: number, what: string): Promise<void> {
  // a FIFO or a device behind the path stays unopened, as in runner.ts's openRegular
  if (!(await delegatedStat(path, idleMs)).isFile) throw new RunnerError(`cannot ${what}: not a regular file`, 'EINVAL');
}

/** `kernelFile`: a /proc file of the kernel's own, never a device or FIFO, so no stat first. */
export async function delegatedRead(path: string, maxBytes: number, idleMs = DELEGATE_IDLE_MS, kernelFile = false): Promise<Buffer> {
  if (!kernelFile) await regular(path, idleMs, `read ${path}`);
  const r = await run('head', ['-c', String(maxBytes), '--', path], `read ${path}`, { maxBytes, idleMs });
  if (r.code !== 0) throw failed(r, `read ${path}`);
  return r.stdout;
}

export async function delegatedSha256(path: string, maxBytes: number, idleMs = DELEGATE_IDLE_MS): Promise<string> {
  await regular(path, idleMs, `hash ${path}`);
  const h = createHash('sha256');
  const r = await run('head', ['-c', String(maxBytes), '--', path], `hash ${path}`, { onData: (c) => h.update(c), idleMs });
  if (r.code !== 0) throw failed(r, `hash ${path}`);
  return h.digest('hex');
}

const TYPES: Record<string, Omit<DirEntry, 'name'>> = {
  d: { isDir: true, isFile: false, isLink: false },
  f: { isDir: false, isFile: true, isLink: false },
  l: { isDir: false, isFile: false, isLink: true },
};

export async function delegatedReadDir(path: string, idleMs = DELEGATE_IDLE_MS): Promise<DirEntry[]> {
  // -H follows the folder itself when it is a link, as readdir does; names end in NUL (a name may hold a newline)
  const r = await run('find', ['-H', path, '-mindepth', '1', '-maxdepth', '1', '-printf', '%y/%f\\0'], `list ${path}`, {
    maxBytes: 64 * 1024 * 1024,
    idleMs,
  });
  if (r.code !== 0) throw failed(r, `list ${path}`);
  const out: DirEntry[] = [];
  for (const rec of r.stdout.toString('utf8').split('\0')) {
    const slash = rec.indexOf('/');
    if (slash < 1) continue;
    const t = TYPES[rec.slice(0, slash)] ?? { isDir: false, isFile: false, isLink: false };
    out.push({ name: rec.slice(slash + 1), ...t });
  }
  return out;
}

export async function delegatedReadLink(path: string, idleMs = DELEGATE_IDLE_MS): Promise<string> {
  const r = await run('readlink', ['--', path], `read link ${path}`, { maxBytes: 64 * 1024, idleMs });
  // readlink prints nothing and fails for a file that is not a link: fs.readlink's EINVAL
  if (r.code !== 0) throw r.stderr ? failed(r, `read link ${path}`) : new RunnerError(`cannot read link ${path}: EINVAL`, 'EINVAL');
  return r.stdout.toString('utf8').replace(/\n$/, '');
}
