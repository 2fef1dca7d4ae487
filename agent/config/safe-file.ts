import fs from 'node:fs';
import path from 'node:path';
import { clean } from '../text.ts';

// Files that steer a root scan (config, policy, token, HMAC key, CA bundle) and the spool are trusted
// only when nobody but root or the running user could have written them: sshd's StrictModes rule. A
// user who can edit the policy can turn AnyDesk into "allowed"; one who pre-created the spool can swap
// a report for a forged clean one. Every input is also opened without blocking and checked to be a
// regular file before a byte is read, so /dev/zero, a FIFO or a link to them cannot hang the agent or
// fill its memory: at most the limit is ever read.

export class UnsafeFileError extends Error {
  /** The errno code when the file could not be opened (ENOENT...), so callers can tell "absent" from "refused". */
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UnsafeFileError';
  }
}

export interface SafeReadOptions {
  /** Label for messages: "policy", "endpoint.tokenFile"... */
  what: string;
  maxBytes: number;
  /** Owner and permission checks (StrictModes) on the file and its parent folders. */
  trusted?: boolean;
  /** Refuse a file others may read (tokens and keys). */
  secret?: boolean;
  /** Refuse a symbolic link as the last component (trusted files); inputs given by hand may be links. */
  noFollow?: boolean;
  /** The only uid allowed to own the file (spool entries: the agent's own). */
  owner?: number | undefined;
}

const POSIX = process.platform !== 'win32';

/** Uids that may own a trusted file: root and whoever runs the agent. */
export function trustedUids(): Set<number> {
  const uid = process.getuid?.();
  return new Set(uid === undefined ? [0] : [0, uid]);
}

function describeType(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Why this file's owner or mode makes it untrustworthy, or undefined. */
export function ownershipProblem(st: fs.Stats, secret = false): string | undefined {
  if (!POSIX) return undefined;
  if (!trustedUids().has(st.uid)) return `owned by uid ${st.uid}, not by root or this user`;
  if (st.mode & 0o022) return `writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})`;
  if (secret && st.mode & 0o004) return `readable by everyone (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`;
  return undefined;
}

/**
 * Why a folder on the way to a trusted file lets someone else replace it, or undefined. A folder others
 * may write is acceptable only with the sticky bit (/tmp): then only an entry's owner can rename it, and
 * the entry itself is checked.
 */
export function parentProblem(file: string): string | undefined {
  if (!POSIX) return undefined;
  const uids = trustedUids();
  let dir = path.dirname(path.resolve(file));
  for (let i = 0; i < 64; i++) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir);
    } catch {
      st = undefined; // not there (yet): the open reports it, the folder above still counts
    }
    if (st && !uids.has(st.uid)) return `folder ${dir} is owned by uid ${st.uid}, not by root or this user`;
    if (st && st.mode & 0o022 && !(st.mode & 0o1000)) return `folder ${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)})`;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

const EAGAIN_WAIT = new Int32Array(new SharedArrayBuffer(4));

/** Reads an open descriptor to EOF, at most maxBytes; throws when there is more. */
export function readBounded(fd: number, maxBytes: number, label: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let idle = 0;
  for (;;) {
    const buf = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      // A non-blocking stdin pipe with nothing yet: wait a little, boundedly (5 min of silence)
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN' && idle++ < 30_000) {
        Atomics.wait(EAGAIN_WAIT, 0, 0, 10);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    idle = 0;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > maxBytes) throw new UnsafeFileError(`${label}: larger than ${maxBytes} bytes`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Opens path without blocking (O_NONBLOCK, and O_NOFOLLOW when asked), checks the open descriptor is a
 * regular file (and, for trusted files, its owner, mode and parent folders), then reads at most maxBytes.
 * Errors are UnsafeFileError with one line naming the file, never its content.
 */
export function readSafeFile(file: string, opts: SafeReadOptions): Buffer {
  // the name is escaped here: one with a line break would otherwise cut the message before its reason
  const label = `${opts.what} ${clean(file)}`;
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (opts.noFollow && POSIX ? fs.constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ELOOP' && opts.noFollow) throw new UnsafeFileError(`${label}: is a symbolic link (not followed)`);
    throw new UnsafeFileError(`${label}: cannot read (${code})`, code);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError(`${label}: ${describeType(st)}, not a regular file`);
    if (opts.owner !== undefined && POSIX && st.uid !== opts.owner) {
      throw new UnsafeFileError(`${label}: refused, owned by uid ${st.uid}, not by this agent (uid ${opts.owner})`);
    }
    if (opts.trusted) {
      const why = ownershipProblem(st, opts.secret) ?? parentProblem(file);
      if (why) throw new UnsafeFileError(`${label}: refused, ${why}`);
    }
    if (st.size > opts.maxBytes) throw new UnsafeFileError(`${label}: larger than ${opts.maxBytes} bytes`);
    return readBounded(fd, opts.maxBytes, label);
  } catch (e) {
    if (e instanceof UnsafeFileError) throw e;
    throw new UnsafeFileError(`${label}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Standard input, bounded the same way (a `< /dev/zero` must not fill memory either). */
export function readSafeStdin(what: string, maxBytes: number): Buffer {
  return readBounded(0, maxBytes, `${what} -`);
}

/** Paths a spool must never live under: pseudo-filesystems whose files never end or never persist. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Checks a spool folder before it is created or used: not under /proc, /sys or /dev, not a symbolic
 * link, owned by this user (or root when running as root) and not writable by others, and no folder
 * above it lets someone else swap it. Returns the reason it cannot be used, or undefined.
 */
export function spoolDirProblem(dir: string): string | undefined {
  if (!POSIX) return undefined;
  const abs = path.resolve(dir);
  let real = abs;
  try {
    real = fs.realpathSync(abs);
  } catch {
    // not created yet: its parents decide
  }
  for (const root of PSEUDO_ROOTS) {
    if (abs === root || abs.startsWith(`${root}/`) || real === root || real.startsWith(`${root}/`)) return `is under ${root}`;
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(abs);
  } catch {
    st = undefined;
  }
  if (st) {
    if (st.isSymbolicLink()) return 'is a symbolic link';
    if (!st.isDirectory()) return 'is not a folder';
    const uid = process.getuid?.();
    if (st.uid !== uid) return `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
    // Our own folder with wider rights is tightened by the spool itself; someone else's never is.
  }
  return parentProblem(abs);
}
