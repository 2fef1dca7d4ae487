import fs, { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mount, mountOf, parseMountinfo, reachOf, walk } from '../../../agent/fs-reach.ts';

// Which paths the agent's own threads may touch: only those that stay, link by link, on local file systems.

const MOUNTINFO = [
  '22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/root rw',
  '25 22 0:5 / /proc rw,nosuid shared:12 - proc proc rw',
  '61 22 0:52 / /home/u/my\\040share rw,nosuid,nodev shared:40 - fuse.sshfs u@host:/srv rw,user_id=1000,group_id=1000',
  '62 22 0:53 / /mnt rw - nfs4 server:/export rw',
  '63 62 0:54 / /mnt rw - tmpfs tmpfs rw',
].join('\n');

describe('mount table', () => {
  it('reads mountinfo: escaped mount points, optional fields before the dash', () => {
    const m = parseMountinfo(`${MOUNTINFO}\nnot a line\n`);
    expect(m.map((x) => [x.point, x.fstype, x.dev])).toEqual([
      ['/', 'ext4', '253:1'],
      ['/proc', 'proc', '0:5'],
      ['/home/u/my share', 'fuse.sshfs', '0:52'],
      ['/mnt', 'nfs4', '0:53'],
      ['/mnt', 'tmpfs', '0:54'],
    ]);
  });

  it('places a path on the longest mount point above it, the last mounted one where two share it', () => {
    const m = parseMountinfo(MOUNTINFO);
    expect(mountOf('/home/u/my share/bin/x', m)?.fstype).toBe('fuse.sshfs');
    expect(mountOf('/home/u/my share', m)?.fstype).toBe('fuse.sshfs');
    expect(mountOf('/home/u/my sharex', m)?.fstype).toBe('ext4');
    expect(mountOf('/mnt/a', m)?.fstype).toBe('tmpfs');
  });
});

describe('reach of a path', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ratwatch-reach-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f'), 'x');
    symlinkSync('sub/f', join(dir, 'local-link'));
    symlinkSync('/remote/share/x', join(dir, 'remote-link'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // this machine's own folders, with a pretend network share mounted on /remote
  const mounts = (): Mount[] => [
    { id: '1', point: '/', fstype: 'ext4', dev: '8:1' },
    { id: '2', point: '/remote', fstype: 'fuse.sshfs', dev: '0:99' },
  ];

  it('follows links on local file systems, and stops at a link into a network or FUSE mount before touching it', () => {
    expect(walk(join(dir, 'local-link'), mounts())).toEqual({ local: true });
    expect(walk(join(dir, 'missing', 'x'), mounts())).toEqual({ local: true });
    expect(walk(join(dir, 'remote-link'), mounts())).toEqual({ local: false, key: 'dev:0:99', where: 'fuse.sshfs mount /remote' });
    expect(walk('/remote/share/x', mounts())).toEqual({ local: false, key: 'dev:0:99', where: 'fuse.sshfs mount /remote' });
    // a file system the agent does not know as local is not local either
    expect(walk('/x', [{ id: '1', point: '/', fstype: 'autofs', dev: '0:40' }])).toMatchObject({ local: false });
  });

  it("takes the kernel's own files, the system folders and, where the process sees the agent's mounts, its binary on this machine as local", () => {
    for (const p of [
      '/proc/1/status',
      '/proc/self/exe',
      `/proc/${process.pid}/root/etc/passwd`,
      '/usr/bin/x',
      '/etc/passwd',
      '/sys/class/net',
    ])
      expect(reachOf(p, 'linux'), p).toEqual({ local: true });
    // elsewhere nothing is decided here
    expect(reachOf('/Volumes/share/x', 'darwin')).toEqual({ local: true });
  });
});

describe('reach through links a process holds', () => {
  it('follows /dev/fd and /proc/self/fd into the file the descriptor names, and a path climbing out of a system folder is walked', () => {
    const fd = fs.openSync('/etc/hostname', 'r');
    try {
      expect(reachOf(`/dev/fd/${fd}`, 'linux')).toEqual({ local: true });
      expect(reachOf(`/proc/self/fd/${fd}`, 'linux')).toEqual({ local: true });
    } finally {
      fs.closeSync(fd);
    }
    expect(reachOf('/etc/../etc/hostname', 'linux')).toEqual({ local: true });
  });
});
