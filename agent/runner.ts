import { execFile } from 'node:child_process';
import fsSync, { constants as fsc } from 'node:fs';
import { delegatedRead, delegatedReadDir, delegatedReadLink, delegatedSha256, delegatedStat } from './fs-delegate.ts';
import { reachOf, SYSTEM_FOLDERS, VIA_PROCESS } from './fs-reach.ts';
import { memoryMayWait, memoryOf } from './proc-memory.ts';
import { PS_ARGS_ARGS, PS_FIELDS_ARGS, parsePsTable, readProcTable } from './ps-table.ts';
import { childEnv, resolveProgram } from './system-programs.ts';

// Every operating-system call a collector makes goes through a Runner, so tests can replay captured
// output of real commands and real files (see ReplayRunner) and no collector ever builds a shell string.

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  timeoutMs?: number; // default 15 s
  maxBytes?: number; // default 32 MiB of stdout
  encoding?: 'utf8' | 'utf16le' | 'latin1';
}

export interface FileStat {
  size: number;
  isFile: boolean;
  isDir: boolean;
  /** Where the real file system knows them: a file's (dev, ino, mtime) says it is unchanged since last seen. */
  dev?: number;
  ino?: number;
  mtimeMs?: number;
  ctimeMs?: number;
}

export interface DirEntry {
  name: string;
  isDir: boolean;
  isFile: boolean;
  isLink: boolean;
}

export interface Runner {
  /** Runs a program with an argument array (never a shell). Rejects with RunnerError when it cannot start or times out. A non-zero exit is returned, not thrown. */
  exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Reads at most maxBytes (default 4 MiB). Rejects with RunnerError (code ENOENT, EACCES...) */
  readFile(path: string, maxBytes?: number): Promise<Buffer>;
  readDir(path: string): Promise<DirEntry[]>;
  readLink(path: string): Promise<string>;
  /**
   * The targets starting with `prefix` of the symbolic links among the first `max` names of a folder (a
   * process's fd folder, "socket:["), by name; a name that is no link or is gone by the time it is read is
   * left out. Rejects with RunnerError when the folder cannot be listed.
   */
  readLinks(dir: string, max: number, prefix?: string): Promise<Map<string, string>>;
  /** Follows symbolic links. Rejects with RunnerError (ENOENT, EACCES...). */
  stat(path: string): Promise<FileStat>;
  /** sha256 hex of a file, streamed, at most maxBytes (default 512 MiB) read. */
  sha256(path: string, maxBytes?: number): Promise<string>;
  exists(path: string): Promise<boolean>;
  /** The process table as ps-list reports it (Linux and macOS; Windows collectors use PowerShell). */
  listProcesses(): Promise<PsEntry[]>;
  /**
   * Connects to a loopback TCP port, reads what the server says first and closes (banner checks: a VNC
   * server answers "RFB 003.008\n" on any port). Sends nothing unless opts.request is given, whose bytes go
   * out once, right after connecting (an RDP negotiation request, an HTTP GET). Resolves with at most
   * maxBytes, an empty buffer when the server stays silent. Refuses any host but 127.0.0.1 and ::1
   * (RunnerError EPERM); rejects with ECONNREFUSED, ETIMEDOUT... when it cannot connect.
   */
  connectProbe(host: string, port: number, opts?: ProbeOptions): Promise<Buffer>;
  /** File calls given up for want of an answer (a hung FUSE or network file system), one line each. */
  unanswered?(): string[];
}

export interface ProbeOptions {
  connectTimeoutMs?: number; // default 300
  readTimeoutMs?: number; // default 500
  maxBytes?: number; // default 64
  /** A question for servers that wait for the client (RDP, HTTP); `name` keys replayed answers. */
  request?: ProbeRequest | undefined;
}

export interface ProbeRequest {
  name: string;
  bytes: Buffer;
}

/** A request is a few hundred bytes at most: a probe asks, it never uploads. */
export const MAX_PROBE_REQUEST = 512;

/** The only hosts connectProbe may reach: a banner check must never become a network scan. */
export const PROBE_HOSTS: readonly string[] = ['127.0.0.1', '::1'];

export interface PsEntry {
  pid: number;
  ppid?: number;
  name: string;
  cmd?: string;
  uid?: number;
  /** /proc/<pid>/exe as read while listing (Linux /proc table), so the process collector need not read it again. */
  exeLink?: string;
  /** A kernel thread (status's Kthread: 1, the kernel's flag): no memory, so no command line to read. */
  kthread?: true;
}

export class RunnerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}

const DEFAULT_TIMEOUT = 15_000;
const DEFAULT_EXEC_BYTES = 32 * 1024 * 1024;
// after a program's timeout, how long its exit is awaited before it counts as one that cannot die
const EXEC_GRACE_MS = 2_000;
const DEFAULT_READ_BYTES = 4 * 1024 * 1024;

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'EIO';
}

/**
 * One asynchronous file call on node:fs's callback API. node:fs/promises would load readline, the REPL
 * history and the file watchers with it, a dozen built-in modules compiled from source at every start
 * under the executable's V8 flags (scripts/package/sea.ts), for nothing a scan uses.
 */
function fsCall<T>(start: (done: (e: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((e, value) => (e ? reject(e) : resolve(value))));
}
const closeFd = (fd: number) => fsCall<void>((done) => fsSync.close(fd, (e) => done(e, undefined)));
const readFd = (fd: number, buf: Buffer, offset: number, length: number, position: number | null) =>
  fsCall<number>((done) => fsSync.read(fd, buf, offset, length, position, done));

const FIRST_CHUNK = 64 * 1024;
const HASH_CHUNK = 256 * 1024;

// /proc files are small and generated on read: one synchronous read into a shared buffer costs a sixth
// of an asynchronous read with a fresh zero-filled buffer, and a scan reads thousands of them
const READ_SCRATCH = Buffer.allocUnsafe(64 * 1024);
// readlink of /proc's own links (exe, cwd, fd/N...) reads the kernel's record and enters no file system;
// a path that goes on through such a link (/proc/<pid>/root/home/...) walks into whatever is mounted there
const isProcLink = (p: string) => p.startsWith('/proc/') && VIA_PROCESS.exec(p)?.[3] === undefined;

// Where a delegated call went unanswered (fs-reach.ts's key, with what to say): later calls there fail at
// once instead of leaving one more program stuck, until the hour is up. A daemon cycle runs in a process of
// its own, so each cycle asks again.
const stuck = new Map<string, { where: string; until: number }>();
const STUCK_MS = 60 * 60_000;
// Each unanswered call costs DELEGATE_IDLE_MS of a collector's time and leaves a program stuck: past this
// many places that did not answer, the rest of the file systems outside the local disks are not asked
const MAX_STUCK = 8;
const MEMORY_KEY = 'memory:';
// a process's command line is copied out of memory in microseconds once its lock is free: a few seconds
// of silence is a wait that will not end (proc-memory.ts)
const MEMORY_IDLE_MS = 3_000;

/**
 * Files read synchronously: /proc's own (not a file reached through a process: /proc/<pid>/exe, root/...,
 * cwd/..., fd/N, map_files/..., which can be on any file system, see fs-reach.ts), and those in the operating system's own folders (/etc, /lib, /run,
 * /var/lib, /usr), which are root's and on the system disk or tmpfs, so a read there cannot wait on a
 * network share or a user's FUSE file system the way one in a home folder can. /usr/local (a site's
 * share, sometimes NFS) and /run/user and /run/media (each user's own mounts: gvfs, the document portal,
 * removable media) stay on the thread pool. An asynchronous read is five thread pool round trips (stat,
 * open, fstat, read, close), each a wake-up of the pool and of the event loop, and a scan reads a few
 * hundred such files (systemd units, desktop entries, the dpkg database). The checks are openRegular's.
 */
export const readsSynchronously = (p: string) => (p.startsWith('/proc/') || SYSTEM_FOLDERS.test(p)) && !VIA_PROCESS.test(p);

/**
 * Paths read, listed, stat'ed and whose links are read synchronously: readsSynchronously's system folders,
 * but nothing that goes through a process's root, cwd or exe link, an fd or a map_files entry: those lead
 * to any file system (a user's FUSE mount, which can answer a stat and then leave an open or a read
 * waiting forever) and stay on the thread pool, /proc/<pid>/exe read for its build-id included. A link's
 * own target is the kernel's to print, so reading one (readlink /proc/<pid>/exe) stays synchronous. The
 * scan lists the unit and application folders and reads their links, each otherwise a pool round trip.
 */
export const looksUpSynchronously = (p: string) => p === '/proc' || (readsSynchronously(p) && !THROUGH_PROC_LINK.test(p));
const THROUGH_PROC_LINK = /^\/proc\/(?:[^/]+\/)*?(?:root|cwd|exe|fd|map_files)(?:\/|$)/;
const readsLinkSynchronously = (p: string) => {
  const dir = p.slice(0, p.lastIndexOf('/'));
  return readsSynchronously(p) && (PROC_FD_DIR.test(dir) || !THROUGH_PROC_LINK.test(dir));
};

// A process's open files as /proc shows them: listing the folder and reading its links is the kernel's work
// alone (the links' targets are names the kernel prints; nothing behind them is opened), so it cannot wait
// on a user's file system the way following /proc/<pid>/cwd or root would
const PROC_FD_DIR = /^\/proc\/(?:\d+|self)\/fd$/;

// A name right under /proc/<pid>/ is the kernel's own: a generated file or a directory, never a device or
// FIFO (the links to the binary and folders are not read here: see looksUpSynchronously), so the stat
// before opening is left out there (the fstat after stays)
const PROC_PID_ENTRY = /^\/proc\/(?:\d+|self)\/[^/]+$/;

/** Reads a regular file synchronously (see readsSynchronously), refusing what openRegular refuses. */
export function readRegularSync(path: string, maxBytes: number): Buffer {
  // /proc/<pid>/root/... reaches any file: a device there must stay unopened, as in openRegular
  if (!PROC_PID_ENTRY.test(path) && !fsSync.statSync(path).isFile())
    throw new RunnerError(`cannot read ${path}: not a regular file`, 'EINVAL');
  const fd = fsSync.openSync(path, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0));
  try {
    // /proc entries are regular files; anything else (a bind-mounted FIFO) is refused like openRegular does
    const st = fsSync.fstatSync(fd);
    if (!st.isFile()) throw new RunnerError(`cannot read ${path}: not a regular file`, 'EINVAL');
    // A file on disk says its size (a generated /proc file says 0): one buffer of that size and a byte more,
    // to see a file that grew since, saves copying a large file (the dpkg database) out of the scratch
    // buffer chunk by chunk and joining the chunks. The size is only a hint: the reads below decide.
    let total = 0;
    let parts: Buffer[];
    if (st.size >= READ_SCRATCH.length) {
      const whole = Buffer.allocUnsafe(Math.min(maxBytes, st.size + 1));
      for (let n = -1; n !== 0 && total < whole.length; total += n) n = fsSync.readSync(fd, whole, total, whole.length - total, null);
      if (total < whole.length || total >= maxBytes) return whole.subarray(0, total);
      parts = [whole];
    } else {
      // a generated file may come in several reads (seq_file pages): read until EOF, into the scratch first
      const first = Math.min(maxBytes, READ_SCRATCH.length);
      for (let n = -1; n !== 0 && total < first; total += n) n = fsSync.readSync(fd, READ_SCRATCH, total, first - total, null);
      if (total < READ_SCRATCH.length || total >= maxBytes) return Buffer.from(READ_SCRATCH.subarray(0, total));
      parts = [Buffer.from(READ_SCRATCH.subarray(0, total))];
    }
    // larger than expected (a long command line, a file that grew): grow like the general path
    while (total < maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(maxBytes - total, total));
      const n = fsSync.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      parts.push(chunk.subarray(0, n));
      total += n;
    }
    return Buffer.concat(parts, total);
  } finally {
    fsSync.closeSync(fd);
  }
}

/**
 * Opens a regular file for reading, and nothing else. Collectors read paths that users control
 * (~/.local/share/applications/*.desktop, ~/Library/LaunchAgents/*.plist): a FIFO there would block
 * open() forever, holding one of libuv's four pool threads, and a link to a device would open it.
 * The stat before opening keeps devices and FIFOs unopened; O_NONBLOCK and the fstat after it cover a
 * swap in between. /proc and /sys entries are regular files, so they still read.
 */
async function openRegular(path: string): Promise<number> {
  if (!(await fsCall<fsSync.Stats>((done) => fsSync.stat(path, done))).isFile())
    throw new RunnerError(`cannot read ${path}: not a regular file`, 'EINVAL');
  const fd = await fsCall<number>((done) => fsSync.open(path, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0), done));
  try {
    if (!(await fsCall<fsSync.Stats>((done) => fsSync.fstat(fd, done))).isFile())
      throw new RunnerError(`cannot read ${path}: not a regular file`, 'EINVAL');
  } catch (e) {
    await closeFd(fd);
    throw e;
  }
  return fd;
}

export class RealRunner implements Runner {
  private readonly givenUp: string[] = [];

  unanswered(): string[] {
    return [...this.givenUp];
  }

  /**
   * The call to make for a path outside local file systems (fs-reach.ts): a delegated one, skipped at once
   * where one went unanswered before. undefined: the agent's own threads may make the call.
   */
  private far<T>(path: string, delegated: () => Promise<T>): Promise<T> | undefined {
    const reach = reachOf(path);
    return reach.local ? undefined : this.aside(reach.key, reach.where, path, delegated);
  }

  /**
   * A call made by a program that can be abandoned (fs-delegate.ts), for a place that may never answer: a
   * file system (key: fs-reach.ts's) or a process's memory (key: memory:<pid>, see proc-memory.ts). Where
   * one went unanswered before, the call fails at once; past MAX_STUCK such places of one kind, the rest of
   * that kind are not asked.
   */
  private aside<T>(key: string, where: string, path: string, delegated: () => Promise<T>): Promise<T> {
    const note = (line: string) => {
      if (this.givenUp.length < 20 && !this.givenUp.includes(line)) this.givenUp.push(line);
    };
    const now = Date.now();
    const earlier = stuck.get(key);
    if (earlier && earlier.until > now) {
      note(`skipped (no answer earlier): ${earlier.where}`);
      return Promise.reject(new RunnerError(`skipped ${path}: ${earlier.where} did not answer earlier`, 'ETIMEDOUT'));
    }
    for (const [k, v] of stuck) if (v.until <= now) stuck.delete(k);
    const kind = (k: string) => k.startsWith(MEMORY_KEY);
    const same = [...stuck.keys()].filter((k) => kind(k) === kind(key)).length;
    if (same >= MAX_STUCK) {
      const places = kind(key) ? 'processes' : 'file systems';
      note(`skipped (${same} ${places} did not answer): ${where}`);
      return Promise.reject(new RunnerError(`skipped ${path}: ${same} ${places} did not answer`, 'ETIMEDOUT'));
    }
    return delegated().catch((e: unknown) => {
      if (e instanceof RunnerError && e.code === 'ETIMEDOUT') {
        stuck.set(key, { where, until: Date.now() + STUCK_MS });
        note(`no answer from ${where}: ${path}`);
      }
      throw e;
    });
  }

  exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT;
    const program = resolveProgram(cmd);
    if ('error' in program) return Promise.reject(new RunnerError(program.error, program.code));
    return new Promise((resolve, reject) => {
      const child = execFile(
        program.path,
        args,
        {
          timeout,
          maxBuffer: opts.maxBytes ?? DEFAULT_EXEC_BYTES,
          encoding: 'buffer',
          windowsHide: true,
          killSignal: 'SIGKILL',
          env: childEnv(),
        },
        (error, stdout, stderr) => {
          clearTimeout(backstop);
          const enc = opts.encoding ?? 'utf8';
          const out = { stdout: stdout?.toString(enc) ?? '', stderr: stderr?.toString('utf8') ?? '' };
          if (!error) return resolve({ ...out, code: 0 });
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
          if (e.killed) return reject(new RunnerError(`${cmd} timed out after ${timeout} ms`, 'ETIMEDOUT'));
          if (e.code === 'ENOENT') return reject(new RunnerError(`${cmd} not found`, 'ENOENT'));
          if (e.code === 'EACCES') return reject(new RunnerError(`${cmd} not permitted`, 'EACCES'));
          if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            return reject(new RunnerError(`${cmd} printed more than the size limit`, 'E2BIG'));
          }
          if (typeof e.code === 'number') return resolve({ ...out, code: e.code });
          reject(new RunnerError(`${cmd}: ${e.message.split('\n')[0]}`, String(e.code ?? 'EIO')));
        },
      );
      // execFile kills the program at the timeout but answers only once it has exited: one that cannot die
      // (waiting on a FUSE server that took its request and went silent) would keep this call, the
      // collector and the process waiting. Past a grace period it is given up and left to the kernel.
      const backstop = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.unref();
        reject(new RunnerError(`${cmd} timed out after ${timeout} ms and could not be stopped`, 'ETIMEDOUT'));
      }, timeout + EXEC_GRACE_MS);
    });
  }

  async readFile(path: string, maxBytes = DEFAULT_READ_BYTES): Promise<Buffer> {
    const far = this.far(path, () => delegatedRead(path, maxBytes));
    if (far) return far;
    const pid = memoryOf(path);
    if (pid !== undefined && memoryMayWait(pid))
      return this.aside(`${MEMORY_KEY}${pid}`, `the memory of process ${pid} (a thread in state D)`, path, () =>
        delegatedRead(path, maxBytes, MEMORY_IDLE_MS, true),
      );
    if (looksUpSynchronously(path)) {
      try {
        return readRegularSync(path, maxBytes);
      } catch (e) {
        if (e instanceof RunnerError) throw e;
        throw new RunnerError(`cannot read ${path}: ${errCode(e)}`, errCode(e));
      }
    }
    let fd: number | undefined;
    try {
      fd = await openRegular(path);
      // Grow as data arrives: maxBytes is a cap, and most reads (/proc, .desktop, plists) are a few KiB
      let buf = Buffer.alloc(Math.min(maxBytes, FIRST_CHUNK));
      let total = 0;
      // /proc and /sys files report size 0, so read until EOF instead of trusting stat
      while (total < maxBytes) {
        if (total === buf.length) {
          const bigger = Buffer.alloc(Math.min(maxBytes, buf.length * 2));
          buf.copy(bigger, 0, 0, total);
          buf = bigger;
        }
        const bytesRead = await readFd(fd, buf, total, buf.length - total, null);
        if (bytesRead === 0) break;
        total += bytesRead;
      }
      return buf.subarray(0, total);
    } catch (e) {
      if (e instanceof RunnerError) throw e;
      throw new RunnerError(`cannot read ${path}: ${errCode(e)}`, errCode(e));
    } finally {
      if (fd !== undefined) await closeFd(fd);
    }
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const far = this.far(path, () => delegatedReadDir(path));
    if (far) return far;
    try {
      const ents = looksUpSynchronously(path)
        ? fsSync.readdirSync(path, { withFileTypes: true })
        : await fsCall<fsSync.Dirent[]>((done) => fsSync.readdir(path, { withFileTypes: true }, done));
      return ents.map((d) => ({ name: d.name, isDir: d.isDirectory(), isFile: d.isFile(), isLink: d.isSymbolicLink() }));
    } catch (e) {
      throw new RunnerError(`cannot list ${path}: ${errCode(e)}`, errCode(e));
    }
  }

  async readLink(path: string): Promise<string> {
    if (isProcLink(path)) {
      try {
        return fsSync.readlinkSync(path);
      } catch (e) {
        throw new RunnerError(`cannot read link ${path}: ${errCode(e)}`, errCode(e));
      }
    }
    const far = this.far(path, () => delegatedReadLink(path));
    if (far) return far;
    try {
      return readsLinkSynchronously(path) ? fsSync.readlinkSync(path) : await fsCall<string>((done) => fsSync.readlink(path, done));
    } catch (e) {
      throw new RunnerError(`cannot read link ${path}: ${errCode(e)}`, errCode(e));
    }
  }

  async readLinks(dir: string, max: number, prefix = ''): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    // a process's fd folder is the kernel's: listed and read in one synchronous step, a few thousand links
    // cost no promise each (see PROC_FD_DIR)
    const kernel = PROC_FD_DIR.test(dir);
    let names: string[];
    try {
      names = kernel ? fsSync.readdirSync(dir) : (await this.readDir(dir)).map((e) => e.name);
    } catch (e) {
      if (e instanceof RunnerError) throw e;
      throw new RunnerError(`cannot list ${dir}: ${errCode(e)}`, errCode(e));
    }
    for (let i = 0; i < names.length && i < max; i++) {
      const path = `${dir}/${names[i]}`;
      try {
        const target = kernel ? fsSync.readlinkSync(path) : await this.readLink(path);
        if (target.startsWith(prefix)) out.set(names[i]!, target);
      } catch {
        // not a link, or closed since the listing
      }
    }
    return out;
  }

  async stat(path: string): Promise<FileStat> {
    const far = this.far(path, () => delegatedStat(path));
    if (far) return far;
    try {
      const st = looksUpSynchronously(path) ? fsSync.statSync(path) : await fsCall<fsSync.Stats>((done) => fsSync.stat(path, done));
      return {
        size: st.size,
        isFile: st.isFile(),
        isDir: st.isDirectory(),
        dev: st.dev,
        ino: st.ino,
        mtimeMs: st.mtimeMs,
        ctimeMs: st.ctimeMs,
      };
    } catch (e) {
      throw new RunnerError(`cannot stat ${path}: ${errCode(e)}`, errCode(e));
    }
  }

  async sha256(path: string, maxBytes = 512 * 1024 * 1024): Promise<string> {
    const far = this.far(path, () => delegatedSha256(path, maxBytes));
    if (far) return far;
    const { createHash } = await import('node:crypto');
    let fd: number;
    try {
      fd = await openRegular(path);
    } catch (e) {
      if (e instanceof RunnerError) throw e;
      throw new RunnerError(`cannot hash ${path}: ${errCode(e)}`, errCode(e));
    }
    // one buffer per file, reused for every chunk (a stream allocates a fresh 64 KiB per chunk)
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    const h = createHash('sha256');
    try {
      for (let total = 0; total < maxBytes; ) {
        const bytesRead = await readFd(fd, buf, 0, Math.min(buf.length, maxBytes - total), total);
        if (bytesRead === 0) break;
        h.update(buf.subarray(0, bytesRead));
        total += bytesRead;
      }
      return h.digest('hex');
    } catch (e) {
      throw new RunnerError(`cannot hash ${path}: ${errCode(e)}`, errCode(e));
    } finally {
      await closeFd(fd);
    }
  }

  async exists(path: string): Promise<boolean> {
    const far = this.far(path, () => delegatedStat(path));
    if (far)
      return far.then(
        () => true,
        () => false,
      );
    try {
      if (looksUpSynchronously(path)) fsSync.accessSync(path);
      else await fsCall<void>((done) => fsSync.access(path, (e) => done(e, undefined)));
      return true;
    } catch {
      return false;
    }
  }

  async connectProbe(host: string, port: number, opts: ProbeOptions = {}): Promise<Buffer> {
    if (!PROBE_HOSTS.includes(host)) throw new RunnerError(`refusing to probe ${host}: loopback only`, 'EPERM');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RunnerError(`bad port ${port}`, 'EINVAL');
    const { connect } = await import('node:net');
    const connectMs = opts.connectTimeoutMs ?? 300;
    const readMs = opts.readTimeoutMs ?? 500;
    const max = opts.maxBytes ?? 64;
    if (opts.request && opts.request.bytes.length > MAX_PROBE_REQUEST)
      throw new RunnerError(`probe request ${opts.request.name} is too long`, 'EINVAL');
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let got = 0;
      let done = false;
      const sock = connect({ host, port, allowHalfOpen: false });
      const finish = (err?: RunnerError) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(Buffer.concat(chunks).subarray(0, max));
      };
      let timer = setTimeout(() => finish(new RunnerError(`connect to ${host}:${port} timed out`, 'ETIMEDOUT')), connectMs);
      let readUntil = 0;
      sock.once('connect', () => {
        clearTimeout(timer);
        readUntil = Date.now() + readMs;
        timer = setTimeout(() => finish(), readMs);
        if (opts.request) sock.write(opts.request.bytes);
      });
      sock.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (got >= max) return finish();
        // A greeting arrives in one burst; once it has, a short lull ends the read
        clearTimeout(timer);
        timer = setTimeout(() => finish(), Math.max(0, Math.min(50, readUntil - Date.now())));
      });
      sock.once('end', () => finish());
      sock.once('error', (e) => finish(new RunnerError(`connect to ${host}:${port}: ${errCode(e)}`, errCode(e))));
    });
  }

  async listProcesses(): Promise<PsEntry[]> {
    if (process.platform === 'linux') {
      try {
        return readProcTable();
      } catch {
        // /proc not mounted or not listable: ps may still know
      }
    }
    return this.listProcessesWithPs();
  }

  /** The table from `ps` (macOS, and Linux without a listable /proc). */
  async listProcessesWithPs(): Promise<PsEntry[]> {
    // through exec, not ps-list: an absolute ps and the minimal child environment (ps-list hands `ps` the
    // agent's whole environment, tokens included); exec's timeout bounds a hung ps (collectors fall back to /proc)
    const [fields, args] = await Promise.all([this.exec('ps', PS_FIELDS_ARGS), this.exec('ps', PS_ARGS_ARGS)]);
    for (const r of [fields, args]) {
      if (r.code !== 0) throw new RunnerError(`ps failed: ${r.stderr.split('\n')[0] || `exit code ${r.code}`}`, 'EIO');
    }
    return parsePsTable(fields.stdout, args.stdout);
  }
}
