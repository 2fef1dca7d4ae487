import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IDENTITY_LIMITS,
  fileIdentity,
  rememberedIdentities,
  rememberIdentities,
} from '../../../../agent/collectors/common/identity.ts';
import {
  HASH_CACHE_FILE,
  parseHashCache,
  readHashCache,
  serializeHashCache,
  updateHashCache,
  writeHashCache,
} from '../../../../agent/daemon/hash-cache.ts';
import { RealRunner } from '../../../../agent/runner.ts';

// The fingerprints a daemon keeps between the child processes that scan: written by one scan, read by the
// next, and never trusted when the file is not exactly what the daemon wrote.

class CountingRunner extends RealRunner {
  hashed: string[] = [];
  override sha256(path: string, maxBytes?: number): Promise<string> {
    this.hashed.push(path);
    return super.sha256(path, maxBytes);
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const entry = {
  key: '2049:131:5:1700000000000.123:1700000000001',
  hashed: true,
  id: { size: 5, sha256: 'a'.repeat(64), elfBuildId: 'b'.repeat(40) },
};

describe('hash cache file', () => {
  it('round-trips through the file the daemon writes, mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-hashcache-'));
    await writeHashCache(dir, [entry]);
    expect(readHashCache(dir)).toEqual({ entries: [entry] });
    expect(statSync(join(dir, HASH_CACHE_FILE)).mode & 0o777).toBe(0o600);
  });

  it('is written back only when the scan fingerprinted something new, or when the file was unusable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-hashcache-'));
    const file = join(dir, HASH_CACHE_FILE);
    const other = { ...entry, key: '2049:132:5:1700000000000.123:1700000000001' };
    // a first run that fingerprinted nothing leaves no file; one that did writes it
    expect(await updateHashCache(dir, readHashCache(dir), [])).toBe(false);
    expect(() => statSync(file)).toThrow(/ENOENT/);
    expect(await updateHashCache(dir, readHashCache(dir), [entry])).toBe(true);
    const written = statSync(file);
    // the same fingerprints again: the file is left as it is, not replaced by a copy (a rename would change the inode)
    expect(await updateHashCache(dir, readHashCache(dir), [entry])).toBe(false);
    expect(statSync(file).ino).toBe(written.ino);
    expect(await updateHashCache(dir, readHashCache(dir), [entry, other])).toBe(true);
    expect(readHashCache(dir)).toEqual({ entries: [entry, other] });
    // the same fingerprints in another order (the scan met them in another order): not rewritten either
    const kept = statSync(file).ino;
    expect(await updateHashCache(dir, readHashCache(dir), [other, entry])).toBe(false);
    expect(statSync(file).ino).toBe(kept);
    expect(readHashCache(dir)).toEqual({ entries: [entry, other] });
    // a file fingerprinted again whose sha256 is now wanted is news
    const unhashed = { ...other, hashed: false, id: { size: 5 } };
    await writeHashCache(dir, [entry, unhashed]);
    expect(await updateHashCache(dir, readHashCache(dir), [entry, other])).toBe(true);
    writeFileSync(file, 'not json');
    expect(await updateHashCache(dir, readHashCache(dir), [])).toBe(true);
    expect(readHashCache(dir)).toEqual({ entries: [] });
  });

  it('is empty without a reason on a first run, and empty with one when it is not ours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-hashcache-'));
    expect(readHashCache(dir)).toEqual({ entries: [] });
    writeFileSync(
      join(dir, HASH_CACHE_FILE),
      '{"schema":"ratwatch.hash-cache/1","entries":[{"key":"1:2:3:4:5","hashed":true,"size":3,"sha256":"XYZ"}]}',
    );
    const bad = readHashCache(dir);
    expect(bad.entries).toEqual([]);
    expect(bad.problem).toMatch(/entry 0 is malformed, starting afresh$/);
    writeFileSync(join(dir, HASH_CACHE_FILE), Buffer.alloc(3 * 1024 * 1024, 32));
    expect(readHashCache(dir).problem).toMatch(/larger than/);
  });

  it('refuses a symbolic link in place of the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-hashcache-'));
    const other = join(dir, 'elsewhere.json');
    writeFileSync(other, serializeHashCache([entry]));
    chmodSync(other, 0o600);
    symlinkSync(other, join(dir, HASH_CACHE_FILE));
    const r = readHashCache(dir);
    expect(r.entries).toEqual([]);
    expect(r.problem).toMatch(/symbolic link/);
  });

  it('rejects entries whose key and size disagree, unknown fields, and documents of another schema', () => {
    const doc = (e: object) => JSON.stringify({ schema: 'ratwatch.hash-cache/1', entries: [e] });
    expect(parseHashCache(doc({ key: entry.key, hashed: true, ...entry.id }))).toEqual({ entries: [entry] });
    expect(parseHashCache(doc({ key: entry.key, hashed: true, ...entry.id, size: 6 }))).toHaveProperty('problem');
    expect(parseHashCache(doc({ key: entry.key, hashed: true, ...entry.id, signer: 'x' }))).toHaveProperty('problem');
    expect(parseHashCache(doc({ key: 'a:b:c', hashed: true, size: 5 }))).toHaveProperty('problem');
    expect(parseHashCache(JSON.stringify({ schema: 'other/1', entries: [] }))).toHaveProperty('problem');
    expect(parseHashCache('not json')).toEqual({ problem: 'not JSON' });
  });
});

describe('fingerprints carried from one scan process to the next', () => {
  it('a file fingerprinted by the last scan is not read again by the next one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-hashcache-'));
    const f = join(dir, 'bin');
    const bytes = Buffer.from('#!/bin/sh\necho carried\n');
    writeFileSync(f, bytes);
    const first = new CountingRunner();
    const id = await fileIdentity(first, f, DEFAULT_IDENTITY_LIMITS);
    expect(first.hashed).toEqual([f]);
    // what the child prints, the daemon writes, and the next child reads: through the real file
    const mine = rememberedIdentities().filter((e) => e.id.sha256 === sha(bytes));
    expect(mine).toHaveLength(1);
    await writeHashCache(dir, mine);
    const text = readFileSync(join(dir, HASH_CACHE_FILE), 'utf8');
    const parsed = parseHashCache(text);
    if ('problem' in parsed) throw new Error(parsed.problem);
    // a process that starts without them reads the file again; one seeded with them does not
    rememberIdentities([]);
    const fresh = new CountingRunner();
    expect(await fileIdentity(fresh, f, DEFAULT_IDENTITY_LIMITS)).toEqual(id);
    expect(fresh.hashed).toEqual([f]);
    rememberIdentities(parsed.entries);
    const next = new CountingRunner();
    expect(await fileIdentity(next, f, DEFAULT_IDENTITY_LIMITS)).toEqual(id);
    expect(next.hashed).toEqual([]);
  });
});
