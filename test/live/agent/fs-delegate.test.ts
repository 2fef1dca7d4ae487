import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegatedRead, delegatedReadDir, delegatedReadLink, delegatedSha256, delegatedStat } from '../../../agent/fs-delegate.ts';

// The delegated file calls (stat, head, find, readlink run on one path) must answer as node:fs does, on this
// host's coreutils and findutils: the agent uses them where its own threads must not go.

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'ratwatch-delegate-'));
  fs.writeFileSync(join(dir, 'data'), Buffer.from([...Array(300_000).keys()].map((i) => i % 251)));
  fs.mkdirSync(join(dir, 'sub dir'));
  fs.writeFileSync(join(dir, 'line\nbreak'), 'x');
  fs.symlinkSync('data', join(dir, 'link'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('delegated file calls', () => {
  it('stat follows links and gives what fs.stat gives', async () => {
    const st = fs.statSync(join(dir, 'data'));
    expect(await delegatedStat(join(dir, 'link'))).toEqual({
      size: st.size,
      isFile: true,
      isDir: false,
      dev: st.dev,
      ino: st.ino,
      mtimeMs: expect.closeTo(st.mtimeMs, 3) as unknown as number,
      ctimeMs: expect.closeTo(st.ctimeMs, 3) as unknown as number,
    });
    expect(await delegatedStat(join(dir, 'sub dir'))).toMatchObject({ isFile: false, isDir: true });
    await expect(delegatedStat(join(dir, 'missing'))).rejects.toMatchObject({ name: 'RunnerError', code: 'ENOENT' });
  });

  it('reads at most the bytes asked, hashes as sha256 does, and leaves a FIFO unopened', async () => {
    const data = fs.readFileSync(join(dir, 'data'));
    // compared by digest: a deep comparison of 300,000 bytes one by one takes seconds
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const head = await delegatedRead(join(dir, 'data'), 65536);
    expect([head.length, sha(head)]).toEqual([65536, sha(data.subarray(0, 65536))]);
    const all = await delegatedRead(join(dir, 'data'), 4 * 1024 * 1024);
    expect([all.length, sha(all)]).toEqual([data.length, sha(data)]);
    expect(await delegatedSha256(join(dir, 'link'), 512 * 1024 * 1024)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await delegatedSha256(join(dir, 'data'), 1000)).toBe(createHash('sha256').update(data.subarray(0, 1000)).digest('hex'));
    await expect(delegatedRead(join(dir, 'fifo'), 16)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(delegatedRead(join(dir, 'sub dir'), 16)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('lists a folder with the types readdir gives, names with newlines included, and reads links', async () => {
    const got = (await delegatedReadDir(dir)).sort((a, b) => a.name.localeCompare(b.name));
    const want = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.name !== 'fifo')
      .map((d) => ({ name: d.name, isDir: d.isDirectory(), isFile: d.isFile(), isLink: d.isSymbolicLink() }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(got.filter((d) => d.name !== 'fifo')).toEqual(want);
    expect(got.find((d) => d.name === 'fifo')).toEqual({ name: 'fifo', isDir: false, isFile: false, isLink: false });
    await expect(delegatedReadDir(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await delegatedReadLink(join(dir, 'link'))).toBe('data');
    await expect(delegatedReadLink(join(dir, 'data'))).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
