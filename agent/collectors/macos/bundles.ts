import type { DirEntry, Runner } from '../../runner.ts';
import { parsePlist, plistDict, type PlistDict } from '../common/plist.ts';

// Helpers the macOS collectors share: listing folders that may be missing or unreadable, the
// per-user folders under /Users, and reading a property list from disk.

const MAX_USERS = 200;
export const PLIST_MAX_BYTES = 1024 * 1024;

/** A directory's entries, or undefined when it is missing; other errors (EACCES) are reported through onError. */
export async function listDir(runner: Runner, dir: string, onError?: (dir: string, e: unknown) => void): Promise<DirEntry[] | undefined> {
  try {
    return await runner.readDir(dir);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') onError?.(dir, e);
    return undefined;
  }
}

/** Home folders under /Users that may hold per-user apps and agents ("Shared" and dot-folders excluded). */
export async function userHomes(runner: Runner): Promise<string[]> {
  const ents = (await listDir(runner, '/Users')) ?? [];
  return ents
    .filter((e) => (e.isDir || e.isLink) && !e.name.startsWith('.') && e.name !== 'Shared' && e.name !== 'Guest')
    .slice(0, MAX_USERS)
    .map((e) => `/Users/${e.name}`);
}

/** Reads and parses a plist whose top level must be a dictionary. Throws a one-line Error otherwise. */
export async function readPlistDict(runner: Runner, path: string): Promise<PlistDict> {
  const v = parsePlist(await runner.readFile(path, PLIST_MAX_BYTES));
  if (v === null) return {}; // an empty plist: valid, and says nothing
  const d = plistDict(v);
  if (!d) throw new Error(`${path}: top level is not a dictionary`);
  return d;
}
