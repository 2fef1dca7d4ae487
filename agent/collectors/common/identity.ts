import type { BinaryIdentity } from '../../model.ts';
import type { FileStat, Runner } from '../../runner.ts';
import { elfBuildId, elfNotesEnd } from './elf.ts';

// Fingerprints binaries (size, sha256, ELF build-id) within a budget: a scan runs on a user's laptop
// and must not read gigabytes, so the number of files, their size and the time spent are all capped.

export interface IdentityLimits {
  /** Files larger than this get no sha256 (a partial hash would match nothing). */
  maxHashBytes: number;
  /** Distinct files fingerprinted per scan. */
  maxFiles: number;
  /** No new file is started after this many ms. */
  timeBudgetMs: number;
  /** Parse ELF notes (Linux); other OSes fingerprint with sha256 and size only. */
  elf: boolean;
}

export const DEFAULT_IDENTITY_LIMITS: IdentityLimits = {
  maxHashBytes: 256 * 1024 * 1024,
  maxFiles: 400,
  timeBudgetMs: 45_000,
  elf: true,
};

const HEAD_BYTES = 64 * 1024;
const MAX_HEAD_BYTES = 2 * 1024 * 1024; // notes sit right after the program headers; further is garbage

/** Whether a file of this size is worth a sha256 (only one that can equal something is). */
export type HashWanted = (size: number) => boolean;

// Fingerprints of files seen unchanged since: a daemon scans the same binaries every hour. Keyed by what
// the real file system says identifies one version of a file; replayed files (no dev/ino) are not kept.
const MAX_REMEMBERED = 4096;
const remembered = new Map<string, { id: BinaryIdentity; hashed: boolean }>();

/** One remembered fingerprint, as the daemon keeps it between the child processes that scan (agent/daemon/hash-cache.ts). */
export interface RememberedIdentity {
  key: string; // dev:ino:size:mtimeMs:ctimeMs
  hashed: boolean; // a sha256 was wanted (and taken, when readable)
  id: Pick<BinaryIdentity, 'size' | 'sha256' | 'elfBuildId'>;
}

/** What this process has fingerprinted so far, most recent last; only fields a file's bytes decide. */
export function rememberedIdentities(): RememberedIdentity[] {
  const out: RememberedIdentity[] = [];
  for (const [key, { id, hashed }] of remembered) {
    const kept: RememberedIdentity['id'] = {};
    if (id.size !== undefined) kept.size = id.size;
    if (id.sha256) kept.sha256 = id.sha256;
    if (id.elfBuildId) kept.elfBuildId = id.elfBuildId;
    out.push({ key, hashed, id: kept });
  }
  return out;
}

/** Replaces what is remembered with the fingerprints a previous scan took (validated by the caller), newest last. */
export function rememberIdentities(entries: readonly RememberedIdentity[]): void {
  remembered.clear();
  for (const e of entries.slice(-MAX_REMEMBERED)) remembered.set(e.key, { id: { ...e.id }, hashed: e.hashed });
}

export const MAX_REMEMBERED_IDENTITIES = MAX_REMEMBERED;

function versionKey(st: FileStat): string | undefined {
  // ctime too: a user can set mtime back after rewriting a file, but not ctime
  if (st.dev === undefined || st.ino === undefined || st.mtimeMs === undefined || st.ctimeMs === undefined) return undefined;
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** Size, sha256 and build-id of one file; undefined when it is not a readable regular file. */
export async function fileIdentity(
  runner: Runner,
  path: string,
  limits: IdentityLimits,
  hashWanted: HashWanted = () => true,
): Promise<BinaryIdentity | undefined> {
  let st: FileStat;
  try {
    st = await runner.stat(path);
  } catch {
    return undefined;
  }
  if (!st.isFile) return undefined;
  const wantHash = st.size <= limits.maxHashBytes && hashWanted(st.size);
  const key = versionKey(st);
  const known = key ? remembered.get(key) : undefined;
  if (known && (known.hashed || !wantHash)) {
    // least recently used goes first when full: move this one to the end
    remembered.delete(key!);
    remembered.set(key!, known);
    const { sha256, ...rest } = known.id;
    return wantHash && sha256 ? { ...rest, sha256 } : { ...rest };
  }
  const id = await freshIdentity(runner, path, st.size, wantHash, limits);
  if (key) {
    remembered.delete(key);
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, { id: { ...id }, hashed: wantHash });
  }
  return id;
}

async function freshIdentity(
  runner: Runner,
  path: string,
  size: number,
  wantHash: boolean,
  limits: IdentityLimits,
): Promise<BinaryIdentity> {
  const id: BinaryIdentity = { size };
  if (wantHash) {
    try {
      id.sha256 = await runner.sha256(path, limits.maxHashBytes);
    } catch {
      // unreadable (EACCES, vanished): size alone is still worth reporting
    }
  }
  if (limits.elf) {
    const buildId = await readBuildId(runner, path);
    if (buildId) id.elfBuildId = buildId;
  }
  return id;
}

async function readBuildId(runner: Runner, path: string): Promise<string | undefined> {
  try {
    let head = await runner.readFile(path, HEAD_BYTES);
    // program headers first, then the notes they point to: at most two more reads
    for (let round = 0; round < 3; round++) {
      const id = elfBuildId(head);
      if (id) return id;
      const need = elfNotesEnd(head);
      if (need === undefined || need <= head.length || need > MAX_HEAD_BYTES) return undefined;
      const more = await runner.readFile(path, need);
      if (more.length <= head.length) return undefined; // the file is shorter than its headers claim
      head = more;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * One fingerprint per path per scan, within the limits. `get` tries the candidate paths in order (e.g.
 * /proc/<pid>/exe, which still opens a deleted binary, then the path it pointed to) and caches by key.
 */
export class IdentityCache {
  private readonly cache = new Map<string, Promise<BinaryIdentity | undefined>>();
  private readonly deadline: number;

  constructor(
    private readonly runner: Runner,
    private readonly limits: IdentityLimits = DEFAULT_IDENTITY_LIMITS,
  ) {
    this.deadline = Date.now() + limits.timeBudgetMs;
  }

  get size(): number {
    return this.cache.size;
  }

  get(key: string, candidates: string[] = [key], hashWanted?: HashWanted): Promise<BinaryIdentity | undefined> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    if (this.cache.size >= this.limits.maxFiles || Date.now() > this.deadline) return Promise.resolve(undefined);
    const p = (async () => {
      let partial: BinaryIdentity | undefined;
      for (const c of candidates) {
        const id = await fileIdentity(this.runner, c, this.limits, hashWanted);
        if (id?.sha256 || id?.elfBuildId) return id;
        partial ??= id;
      }
      return partial;
    })();
    this.cache.set(key, p);
    return p;
  }
}
