import fs from 'node:fs';

// Where a path leads before the agent touches it. A file call on a FUSE file system (sshfs, a user's own
// FUSE server), NFS, SMB or an automount waits for a server the user may control: if the server never
// answers, the calling thread waits in the kernel until it does, and not even SIGKILL frees it once the
// server has taken the request (Linux's fuse request_wait_answer). One such call on a libuv pool thread
// pins the whole process: Node's exit joins the pool's threads and waits forever, and a killed process stays
// a zombie its parent cannot reap. So on Linux such a path is never touched by the agent's own threads:
// runner.ts hands it to a short-lived program (fs-delegate.ts) that can be abandoned, and only paths that
// lie, link by link, on kernel and local disk file systems are read in-process.
//
// Only the kernel's own files are looked at to decide: /proc/<pid>/mountinfo, the magic links under
// /proc/<pid>/ (readlink of those never enters a file system), and lstat/readlink of path components that
// the mount table already placed on a local file system.

/** File systems that answer from the kernel or a local disk: a call there returns. Anything else may not. */
const LOCAL_FS = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'f2fs',
  'jfs',
  'reiserfs',
  'zfs',
  'bcachefs',
  'nilfs2',
  'tmpfs',
  'ramfs',
  'overlay',
  'squashfs',
  'erofs',
  'iso9660',
  'udf',
  'vfat',
  'exfat',
  'ntfs',
  'ntfs3',
  'hfsplus',
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'tracefs',
  'configfs',
  'efivarfs',
  'pstore',
  'bpf',
  'mqueue',
  'hugetlbfs',
  'binfmt_misc',
  'fusectl',
  'nsfs',
  'selinuxfs',
]);

export interface Mount {
  id: string;
  point: string;
  fstype: string;
  dev: string; // major:minor
}

export type Reach = { local: true } | { local: false; key: string; where: string };

const LOCAL: Reach = { local: true };

const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** /proc/<pid>/mountinfo's lines: id parent major:minor root mountpoint options [optional...] - fstype source super. */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 7 || dash === -1 || !f[4]) continue;
    out.push({ id: f[0], dev: f[2], point: unescapeOctal(f[4]), fstype: f[dash + 1] ?? '' });
  }
  return out;
}

// Mount tables change rarely; re-read at most once a second (a scan asks for thousands of paths)
const MOUNTS_TTL_MS = 1000;
let ownMounts: { at: number; mounts: Mount[] } | undefined;

function mounts(): Mount[] {
  const now = Date.now();
  if (!ownMounts || now - ownMounts.at > MOUNTS_TTL_MS) {
    let list: Mount[];
    try {
      list = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    } catch {
      list = []; // no /proc: nothing is known to be local, every outside path is delegated
    }
    ownMounts = { at: now, mounts: list };
  }
  return ownMounts.mounts;
}

/** The mount a path (absolute, no symbolic links, no . or ..) lies on: the last mounted on the longest matching point. */
export function mountOf(path: string, list: readonly Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of list) {
    const p = m.point;
    const under = p === '/' || path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`);
    if (under && (!best || p.length >= best.point.length)) best = m;
  }
  return best;
}

function remote(m: Mount | undefined, path: string): Reach {
  if (!m) return { local: false, key: `path:${path}`, where: `${path} (on no known mount)` };
  return { local: false, key: `dev:${m.dev}`, where: `${m.fstype} mount ${m.point}` };
}

const MAX_LINKS = 40; // as the kernel's own limit on links in one path walk

/**
 * Walks `path` component by component as the kernel would, touching (lstat, readlink) only components the
 * mount table puts on a local file system, so a symbolic link in a home folder pointing into an sshfs mount
 * is seen before anything is opened there.
 */
export function walk(path: string, list: readonly Mount[], depth = 0): Reach {
  const rest = path.split('/');
  let cur = '';
  for (let links = 0; rest.length > 0; ) {
    const seg = rest.shift()!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      cur = cur.slice(0, cur.lastIndexOf('/'));
      continue;
    }
    const next = `${cur}/${seg}`;
    const m = mountOf(next, list);
    if (!m || !LOCAL_FS.has(m.fstype)) return remote(m, next);
    // a link into /proc/<pid>/fd/N, cwd, root... (/dev/fd/3 is one) leads where that process's link leads
    if (m.fstype === 'proc' && VIA_PROCESS.test(`${next}/${rest.join('/')}`.replace(/\/+$/, '')))
      return reach(`${next}/${rest.join('/')}`.replace(/\/+$/, ''), 'linux', depth + 1);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(next);
    } catch {
      return LOCAL; // missing or hidden: the call itself fails the same way, at once
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return LOCAL; // the call itself fails with ELOOP
      let target: string;
      try {
        target = fs.readlinkSync(next);
      } catch {
        return LOCAL;
      }
      rest.unshift(...target.split('/'));
      if (target.startsWith('/')) cur = '';
      continue;
    }
    cur = next;
  }
  return LOCAL;
}

// The operating system's own folders, root's and on the system disk: what runner.ts reads synchronously
export const SYSTEM_FOLDERS = /^\/(?:etc|lib|run(?!\/user\/|\/media\/)|var\/lib|usr(?!\/local\/))\//;

/** A file reached through a process (its binary, root, working folder, open files, mapped files), with the rest of the path. */
export const VIA_PROCESS = /^\/proc\/(\d+|self|thread-self)\/(?:task\/\d+\/)?(exe|cwd|root|fd\/\d+|map_files\/[^/]+)(\/.*)?$/;

const ownNs = (() => {
  let v: string | undefined;
  return () => {
    v ??= fs.readlinkSync('/proc/self/ns/mnt');
    return v;
  };
})();

// A scan asks about each process's binary several times (stat, hash, head) within a second
const seen = new Map<string, boolean>();
let seenAt = 0;

/** Whether a process sees the file system as the agent does: same mount namespace, same root. */
function seesOurs(pid: string): boolean {
  const now = Date.now();
  if (now - seenAt > MOUNTS_TTL_MS) {
    seen.clear();
    seenAt = now;
  }
  let v = seen.get(pid);
  if (v === undefined) {
    try {
      v = fs.readlinkSync(`/proc/${pid}/ns/mnt`) === ownNs() && fs.readlinkSync(`/proc/${pid}/root`) === '/';
    } catch {
      v = false;
    }
    seen.set(pid, v);
  }
  return v;
}

/**
 * Whether the agent's own threads may touch `path` (Linux; elsewhere every path is taken as local). Paths
 * through another mount namespace or root (a container, a sandboxed app, a user namespace with its own
 * FUSE mounts) are not local: the agent cannot see their mounts from here.
 */
export function reachOf(path: string, platform: NodeJS.Platform = process.platform): Reach {
  return reach(path, platform, 0);
}

// a path with a .. segment may climb out of a system folder: it is walked
const DOTDOT = /(?:^|\/)\.\.(?:\/|$)/;

function reach(path: string, platform: NodeJS.Platform, depth: number): Reach {
  if (platform !== 'linux' || (SYSTEM_FOLDERS.test(path) && !DOTDOT.test(path))) return LOCAL;
  // links through processes' links back into links: the kernel stops such a walk with ELOOP, so does this
  if (depth > MAX_LINKS) return { local: false, key: `path:${path}`, where: `${path} (too many links)` };
  const via = VIA_PROCESS.exec(path);
  if (via) {
    const [, pid, what, rest] = via;
    const pidDir = `/proc/${pid === 'self' || pid === 'thread-self' ? process.pid : pid}`;
    if (!seesOurs(pidDir.slice(6))) return { local: false, key: `path:${path}`, where: `another mount namespace or root (${path})` };
    if (what === 'root') return rest ? reach(rest, platform, depth + 1) : LOCAL;
    let target: string;
    try {
      target = fs.readlinkSync(path.slice(0, path.length - (rest?.length ?? 0))).replace(/ \(deleted\)$/, '');
    } catch {
      return LOCAL; // gone, or a kernel thread: the call fails at once
    }
    // pipe:[..], socket:[..], anon_inode:..: kernel objects, refused by the regular-file checks
    if (!target.startsWith('/')) return LOCAL;
    return reach(`${target}${rest ?? ''}`, platform, depth + 1);
  }
  if (path.startsWith('/proc/') || path.startsWith('/sys/')) return LOCAL;
  if (!path.startsWith('/')) return LOCAL; // relative: only tests' fixtures
  return walk(path, mounts(), depth);
}
