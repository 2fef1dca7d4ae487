import { MAX_REMEMBERED_IDENTITIES, type RememberedIdentity } from '../collectors/common/identity.ts';
import { readSafeFile, UnsafeFileError } from '../config/safe-file.ts';
import { atomicWrite } from '../spool/atomic.ts';
import { SPOOL_FILES, spoolFilePath } from '../spool/records.ts';

// Each scheduled scan runs in a fresh child process (child-cycle.ts), so the fingerprints one scan took
// would die with it and the next hour's scan would hash the same binaries again. The daemon keeps them in
// one small file beside the reports (the spool lists it among the files it does not own): each cycle's
// child reads it before its scan and writes it back when the scan fingerprinted something new
// (agent/cli/cycle-command.ts). Anything in it that is not exactly what this module writes makes the whole file count as empty:
// a cache may be lost, never trusted half-way.

export const HASH_CACHE_FILE = SPOOL_FILES.hashCache;
const SCHEMA = 'ratwatch.hash-cache/1';
// ~200 bytes an entry at MAX_REMEMBERED_IDENTITIES entries, with room to spare
export const HASH_CACHE_MAX_BYTES = 2 * 1024 * 1024;

const KEY = /^\d{1,20}:\d{1,20}:\d{1,16}:\d{1,16}(\.\d{1,9})?:\d{1,16}(\.\d{1,9})?$/;
const SHA256 = /^[0-9a-f]{64}$/;
const BUILD_ID = /^[0-9a-f]{2,128}$/;

function entryOf(x: unknown): RememberedIdentity | undefined {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const { key, hashed, size, sha256, elfBuildId, ...rest } = x as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return undefined;
  if (typeof key !== 'string' || !KEY.test(key) || typeof hashed !== 'boolean') return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return undefined;
  // the key carries the size the fingerprint was taken at
  if (key.split(':')[2] !== String(size)) return undefined;
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !SHA256.test(sha256))) return undefined;
  if (elfBuildId !== undefined && (typeof elfBuildId !== 'string' || !BUILD_ID.test(elfBuildId))) return undefined;
  const id: RememberedIdentity['id'] = { size: size as number };
  if (sha256 !== undefined) id.sha256 = sha256 as string;
  if (elfBuildId !== undefined) id.elfBuildId = elfBuildId as string;
  return { key, hashed, id };
}

/** The entries of a hash cache text, or why it is unusable. */
export function parseHashCache(text: string): { entries: RememberedIdentity[] } | { problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  const d = doc as { schema?: unknown; entries?: unknown };
  if (!d || typeof d !== 'object' || d.schema !== SCHEMA || !Array.isArray(d.entries)) return { problem: `not a ${SCHEMA} document` };
  if (d.entries.length > MAX_REMEMBERED_IDENTITIES) return { problem: `more than ${MAX_REMEMBERED_IDENTITIES} entries` };
  const entries: RememberedIdentity[] = [];
  for (const [i, x] of d.entries.entries()) {
    const e = entryOf(x);
    if (!e) return { problem: `entry ${i} is malformed` };
    entries.push(e);
  }
  return { entries };
}

/** The entries as the file holds them: the most recent MAX_REMEMBERED_IDENTITIES, each one flat object. */
function fileEntries(entries: readonly RememberedIdentity[]) {
  return entries.slice(-MAX_REMEMBERED_IDENTITIES).map((e) => ({ key: e.key, hashed: e.hashed, ...e.id }));
}

export function serializeHashCache(entries: readonly RememberedIdentity[]): string {
  return JSON.stringify({ schema: SCHEMA, entries: fileEntries(entries) });
}

export function hashCachePath(stateDir: string): string {
  return spoolFilePath(stateDir, 'hashCache');
}

/** The cache the daemon kept; empty (with the reason, except for a first run) when missing or unusable. */
export function readHashCache(stateDir: string): { entries: RememberedIdentity[]; problem?: string } {
  const file = hashCachePath(stateDir);
  let text: string;
  try {
    const uid = process.getuid?.();
    text = readSafeFile(file, {
      what: 'hash cache',
      maxBytes: HASH_CACHE_MAX_BYTES,
      noFollow: true,
      ...(uid === undefined ? {} : { owner: uid }),
    }).toString('utf8');
  } catch (e) {
    return e instanceof UnsafeFileError && e.code === 'ENOENT' ? { entries: [] } : { entries: [], problem: (e as Error).message };
  }
  const parsed = parseHashCache(text);
  return 'problem' in parsed ? { entries: [], problem: `hash cache ${file}: ${parsed.problem}, starting afresh` } : parsed;
}

export async function writeHashCache(stateDir: string, entries: readonly RememberedIdentity[]): Promise<void> {
  await atomicWrite(hashCachePath(stateDir), serializeHashCache(entries));
}

/** The fingerprints of a cache as a set: its entries' texts, sorted. */
function fingerprints(entries: readonly RememberedIdentity[]): string {
  return fileEntries(entries)
    .map((e) => JSON.stringify(e))
    .sort()
    .join('\n');
}

/**
 * Keeps what a scan left remembered for the next cycle, unless it holds the very fingerprints that were
 * read: most hourly scans meet no binary the last one did not, and rewriting the cache durably costs two
 * fsyncs and a rename each time. Only the order may differ then (a scan moves each file it meets to the
 * recent end, which decides what goes first once the cache is full): the file keeps the order of the last
 * scan that found something new. An unusable file is always replaced. Resolves whether it wrote.
 */
export async function updateHashCache(
  stateDir: string,
  read: { entries: readonly RememberedIdentity[]; problem?: string | undefined },
  now: readonly RememberedIdentity[],
): Promise<boolean> {
  if (read.problem === undefined && fingerprints(now) === fingerprints(read.entries)) return false;
  await writeHashCache(stateDir, now);
  return true;
}
