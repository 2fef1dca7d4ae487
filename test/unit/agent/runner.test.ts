import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksUpSynchronously, RealRunner, readRegularSync, readsSynchronously } from '../../../agent/runner.ts';

// RealRunner's file reads on this machine: the paths collectors read are partly user-controlled, so a
// FIFO or device planted there must be refused at once, and the size cap must not cost its size in memory.

const runner = new RealRunner();
let dir: string;
let fifo: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratwatch-runner-'));
  fifo = join(dir, 'evil.desktop');
  execFileSync('mkfifo', [fifo]);
});

afterAll(() => {
  // Should a regression leave a reader blocked in open(), a writer end releases it
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader waiting: nothing to release
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Fails instead of hanging when a read blocks. */
function within<T>(p: Promise<T>, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still blocked after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe('RealRunner file reads', () => {
  it("reads /proc and the system folders synchronously, home folders, /tmp, /usr/local and users' mounts under /run through the thread pool", () => {
    for (const p of [
      '/proc/1/status',
      '/proc/123/fdinfo/7',
      '/proc/123/task/124/stat',
      '/etc/passwd',
      '/usr/lib/systemd/system/ssh.service',
      '/lib/x',
      '/run/systemd/seats/seat0',
      '/var/lib/dpkg/status',
    ])
      expect(readsSynchronously(p), p).toBe(true);
    for (const p of [
      '/home/u/.local/share/applications/a.desktop',
      '/usr/local/lib/systemd/system/x.service',
      '/run/user/1000/gvfs/x',
      '/run/media/u/usb/x',
      '/tmp/x',
      '/var/tmp/x',
      '/procx/1',
      '/usr',
      // a file reached through a process may be on any file system, a user's FUSE mount included
      '/proc/123/exe',
      '/proc/self/exe',
      '/proc/123/root/usr/bin/x',
      '/proc/123/task/124/root/etc/passwd',
      '/proc/123/cwd/x.py',
      '/proc/123/fd/7',
      '/proc/123/map_files/400000-401000',
    ])
      expect(readsSynchronously(p), p).toBe(false);
  });

  it('lists, stats and follows nothing synchronously through a process link, which may lead into a user mount', () => {
    for (const p of ['/proc', '/proc/1/status', '/proc/net/tcp', '/usr/lib/systemd/system', '/etc/systemd/system/multi-user.target.wants'])
      expect(looksUpSynchronously(p), p).toBe(true);
    for (const p of [
      '/proc/1/exe',
      '/proc/1/cwd',
      '/proc/1/root/home/u/fuse',
      '/proc/1/fd/3',
      '/proc/1/task/1/cwd',
      '/proc/1/map_files/400000-401000',
      '/home/u/.local/share/applications',
      '/run/user/1000/doc',
      '/usr/local/lib/systemd/system',
    ])
      expect(looksUpSynchronously(p), p).toBe(false);
  });

  it("reads a process's fd links in one step, within the count asked for", async () => {
    const file = join(dir, 'held-open');
    writeFileSync(file, 'x');
    const fd = openSync(file, 'r');
    try {
      const links = await runner.readLinks('/proc/self/fd', 4096);
      expect(links.get(String(fd))).toBe(file);
      expect((await runner.readLinks('/proc/self/fd', 2)).size).toBeLessThanOrEqual(2);
      expect([...(await runner.readLinks('/proc/self/fd', 4096, dir)).values()]).toContain(file);
      expect([...(await runner.readLinks('/proc/self/fd', 4096, 'socket:[')).values()]).not.toContain(file);
      await expect(runner.readLinks('/proc/self/nothere', 10)).rejects.toMatchObject({ name: 'RunnerError', code: 'ENOENT' });
    } finally {
      closeSync(fd);
    }
  });

  it('refuses the same files synchronously: a FIFO at once, a link to a device, a directory; and reads past the scratch buffer', () => {
    expect(() => readRegularSync(fifo, 1024)).toThrow(
      expect.objectContaining({ name: 'RunnerError', code: 'EINVAL', message: `cannot read ${fifo}: not a regular file` }),
    );
    const link = join(dir, 'sync-profile');
    execFileSync('ln', ['-s', '/dev/zero', link]);
    expect(() => readRegularSync(link, 16)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => readRegularSync(dir, 16)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const data = Buffer.alloc(300 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = i % 253;
    const big = join(dir, 'sync-big.bin');
    writeFileSync(big, data);
    expect(readRegularSync(big, 2 ** 40).equals(data)).toBe(true);
    expect(readRegularSync(big, 100_000).equals(data.subarray(0, 100_000))).toBe(true);
    expect(readRegularSync(big, 10).equals(data.subarray(0, 10))).toBe(true);
  });

  it('refuses a FIFO at once instead of blocking in open()', async () => {
    await expect(within(runner.readFile(fifo))).rejects.toMatchObject({
      name: 'RunnerError',
      code: 'EINVAL',
      message: `cannot read ${fifo}: not a regular file`,
    });
    await expect(within(runner.sha256(fifo))).rejects.toMatchObject({ name: 'RunnerError', code: 'EINVAL' });
  });

  it('refuses a link to a device and a directory', async () => {
    const link = join(dir, 'profile');
    execFileSync('ln', ['-s', '/dev/zero', link]);
    await expect(within(runner.readFile(link, 16))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(within(runner.readFile(dir))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(runner.readFile(join(dir, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads whole files past the first chunk, cuts at maxBytes, and does not allocate the cap up front', async () => {
    const data = Buffer.alloc(300 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const big = join(dir, 'big.bin');
    writeFileSync(big, data);
    expect((await runner.readFile(big)).equals(data)).toBe(true);
    expect((await runner.readFile(big, 100_000)).equals(data.subarray(0, 100_000))).toBe(true);
    // a 1 TiB cap could never be allocated: the read must size itself by what the file holds
    expect((await runner.readFile(big, 2 ** 40)).length).toBe(data.length);
    expect(await runner.sha256(big)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await runner.sha256(big, 10)).toBe(createHash('sha256').update(data.subarray(0, 10)).digest('hex'));
  });

  it('still reads /proc files, which stat reports as empty regular files', async () => {
    const status = (await runner.readFile('/proc/self/status')).toString('utf8');
    expect(status).toMatch(new RegExp(`^Pid:\\s+${process.pid}$`, 'm'));
    // the running binary through its link, read on the thread pool (see looksUpSynchronously)
    expect((await runner.readFile('/proc/self/exe', 4)).toString('latin1')).toBe('\x7fELF');
  });
});
