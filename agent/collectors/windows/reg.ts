import type { CollectorContext } from '../types.ts';
import { firstLine } from '../common/exec.ts';
import { once } from '../common/memo.ts';

// The registry through reg.exe. Its `query` output (see test/fixtures/windows/README.md) is a blank line,
// then per key: the full key path ("HKEY_LOCAL_MACHINE\..."), its values as
// "    <name>    <REG_TYPE>    <data>" lines, and a blank line. Without /s the direct subkeys follow as
// bare path lines. REG_DWORD data is printed as 0x<hex>, REG_MULTI_SZ items joined by a literal "\0".

export const REG = 'reg.exe';
const MAX_DEPTH = 16; // how far up a missing key's ancestors are listed to prove it is absent

export interface RegValue {
  name: string;
  type: string;
  data: string;
}

export interface RegKey {
  path: string; // as reg.exe prints it, root spelled out
  values: RegValue[];
}

const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/;

export function parseRegQuery(text: string): RegKey[] {
  const keys: RegKey[] = [];
  let cur: RegKey | undefined;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('HKEY_')) {
      cur = { path: line.trimEnd(), values: [] };
      keys.push(cur);
      continue;
    }
    const m = VALUE_LINE.exec(line);
    if (m && cur) cur.values.push({ name: m[1], type: m[2], data: m[3] ?? '' });
    // anything else (blank separators, "End of search", stray text) carries no data
  }
  return keys;
}

export function regValue(key: RegKey, name: string): string | undefined {
  const n = name.toLowerCase();
  return key.values.find((v) => v.name.toLowerCase() === n)?.data;
}

/** REG_DWORD / REG_QWORD data ("0x1") as a number. */
export function regNumber(data: string | undefined): number | undefined {
  const m = data ? /^0x([0-9a-f]+)$/i.exec(data.trim()) : null;
  return m ? parseInt(m[1], 16) : undefined;
}

const ROOTS: Record<string, string> = {
  HKLM: 'HKEY_LOCAL_MACHINE',
  HKU: 'HKEY_USERS',
  HKCU: 'HKEY_CURRENT_USER',
  HKCR: 'HKEY_CLASSES_ROOT',
  HKCC: 'HKEY_CURRENT_CONFIG',
};

/** A key path as reg.exe prints it, for comparing what we asked with what it answered. */
export function fullKey(path: string): string {
  const i = path.indexOf('\\');
  const root = i < 0 ? path : path.slice(0, i);
  const rest = i < 0 ? '' : path.slice(i);
  return (ROOTS[root.toUpperCase()] ?? root) + rest.replace(/\\+$/, '');
}

function sameKey(a: string, b: string): boolean {
  return fullKey(a).toLowerCase() === fullKey(b).toLowerCase();
}

export function parentKey(path: string): string | undefined {
  const i = path.lastIndexOf('\\');
  return i > 0 ? path.slice(0, i) : undefined;
}

export interface RegQueryOptions {
  recurse?: boolean;
  value?: string;
}

function queryArgs(key: string, opts: RegQueryOptions): string[] {
  const args = ['query', key];
  if (opts.value !== undefined) args.push('/v', opts.value);
  if (opts.recurse) args.push('/s');
  return args;
}

/**
 * Queries a key (or one value of it). Resolves to null when the key or value does not exist, and throws
 * a one-line Error for anything else (access denied, reg.exe missing, timeout). reg.exe reports both
 * cases with exit code 1 and a message in the system language, so absence is proven by listing the
 * nearest existing ancestor instead of by reading the message.
 */
export async function regQuery(ctx: CollectorContext, key: string, opts: RegQueryOptions = {}): Promise<RegKey[] | null> {
  const args = queryArgs(key, opts);
  const what = `reg query ${key}${opts.value !== undefined ? ` /v ${opts.value}` : ''}`;
  let res;
  try {
    res = await ctx.runner.exec(REG, args, { timeoutMs: 30_000 });
  } catch (e) {
    throw new Error(`${what} failed: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  if (res.code === 0) return parseRegQuery(res.stdout);
  // with /s, reg.exe stops at the first subkey it may not open and exits 1; the keys before it are good
  const partial = opts.recurse ? parseRegQuery(res.stdout) : [];
  if (partial.length) return partial;
  if (await isAbsent(ctx, key, opts.value)) return null;
  throw new Error(`${what} failed: ${firstLine(res.stderr) || firstLine(res.stdout) || `exit code ${res.code}`}`);
}

/** A plain listing (values and direct subkeys), shared by collectors that check the same parent. */
function listKey(ctx: CollectorContext, key: string): Promise<RegKey[] | undefined> {
  return once(ctx.runner, `reg-list ${fullKey(key).toLowerCase()}`, async () => {
    try {
      const res = await ctx.runner.exec(REG, ['query', key], { timeoutMs: 30_000 });
      return res.code === 0 ? parseRegQuery(res.stdout) : undefined;
    } catch {
      return undefined;
    }
  });
}

async function isAbsent(ctx: CollectorContext, key: string, value?: string): Promise<boolean> {
  if (value !== undefined) {
    const listing = await listKey(ctx, key);
    if (listing) {
      const self = listing.find((k) => sameKey(k.path, key));
      return !self || regValue(self, value) === undefined;
    }
  }
  let child = key;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const parent = parentKey(child);
    if (!parent) return false;
    const listing = await listKey(ctx, parent);
    if (listing) return !listing.some((k) => sameKey(k.path, child));
    child = parent;
  }
  return false;
}

/**
 * SIDs of the user hives loaded under HKU (users logged on or running something), without the
 * "_Classes" companions and .DEFAULT (an alias of S-1-5-18). Hives of users who are not logged on are
 * not loaded, so their per-user installs and Run keys are not seen: a known limit.
 */
export function userHives(ctx: CollectorContext): Promise<string[]> {
  return once(ctx.runner, 'reg-hku', async () => {
    const keys = await regQuery(ctx, 'HKU');
    if (!keys) throw new Error('reg query HKU failed: no HKEY_USERS');
    const sids: string[] = [];
    for (const k of keys) {
      const m = /^HKEY_USERS\\([^\\]+)$/i.exec(k.path);
      if (!m) continue;
      const sid = m[1];
      if (/_Classes$/i.test(sid) || sid.toUpperCase() === '.DEFAULT') continue;
      if (!/^S-1-[0-9-]+$/i.test(sid)) continue;
      sids.push(sid);
    }
    return sids;
  });
}
