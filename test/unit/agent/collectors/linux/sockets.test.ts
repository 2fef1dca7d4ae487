import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../../../../../agent/runner.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { decodeProcAddress, linuxSockets, parseEndpoint, SS_ARGS } from '../../../../../agent/collectors/linux/sockets.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'linux');
const ctx = (runner: Runner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const collect = async (dir: string) => (await linuxSockets.collect(ctx(loadReplayDir(join(FIX, dir))))).sockets ?? [];

// Both real captures were taken at the same moment; ss and /proc/net must agree on what matters.
const PROC_NET_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const REAL_LISTENERS = [
  { proto: 'tcp', localAddress: '127.0.0.1', localPort: 42249, state: 'LISTEN', pid: 13623, process: 'node' },
  { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5997, state: 'LISTEN', pid: 13567, process: 'bar' },
  { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5998, state: 'LISTEN', pid: 12283, process: 'foo' },
  { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5999, state: 'LISTEN', pid: 12280, process: 'x11vnc' },
  { proto: 'tcp', localAddress: '0.0.0.0', localPort: 2024, state: 'LISTEN' },
  { proto: 'tcp6', localAddress: '::1', localPort: 5997, state: 'LISTEN', pid: 13567, process: 'bar' },
  { proto: 'tcp6', localAddress: '::1', localPort: 5998, state: 'LISTEN', pid: 12283, process: 'foo' },
  { proto: 'tcp6', localAddress: '::1', localPort: 5999, state: 'LISTEN', pid: 12280, process: 'x11vnc' },
];
const key = (s: { proto: string; localAddress: string; localPort: number }) => `${s.proto} ${s.localAddress}:${s.localPort}`;
const sorted = <T extends { proto: string; localAddress: string; localPort: number }>(l: T[]) =>
  [...l].sort((a, b) => key(a).localeCompare(key(b)));

describe('linux.sockets from ss (real capture)', () => {
  it('parses every row with its owner', async () => {
    const socks = await collect('sockets-ss');
    expect(socks).toEqual([
      { proto: 'udp', localAddress: '127.0.0.1', localPort: 57419, state: 'UNCONN', pid: 13623, process: 'node' },
      { proto: 'udp6', localAddress: '::1', localPort: 42890, state: 'UNCONN', pid: 13623, process: 'node' },
      ...REAL_LISTENERS.slice(0, 5),
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 42249,
        remoteAddress: '127.0.0.1',
        remotePort: 33898,
        state: 'ESTABLISHED',
        pid: 13623,
        process: 'node',
      },
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 33898,
        remoteAddress: '127.0.0.1',
        remotePort: 42249,
        state: 'ESTABLISHED',
        pid: 13623,
        process: 'node',
      },
      ...REAL_LISTENERS.slice(5),
    ]);
  });
});

describe('linux.sockets from /proc/net when ss is missing (real capture)', () => {
  it('decodes the kernel tables and ties inodes to processes through /proc/<pid>/fd', async () => {
    const socks = await collect('sockets-procnet');
    const listeners = socks.filter((s) => s.state === 'LISTEN');
    expect(sorted(listeners)).toEqual(sorted(REAL_LISTENERS));
    expect(sorted(socks.filter((s) => s.state !== 'LISTEN'))).toEqual(
      sorted([
        {
          proto: 'tcp',
          localAddress: '127.0.0.1',
          localPort: 42249,
          remoteAddress: '127.0.0.1',
          remotePort: 33898,
          state: 'ESTABLISHED',
          pid: 13623,
          process: 'node',
        },
        {
          proto: 'tcp',
          localAddress: '127.0.0.1',
          localPort: 33898,
          remoteAddress: '127.0.0.1',
          remotePort: 42249,
          state: 'ESTABLISHED',
          pid: 13623,
          process: 'node',
        },
        { proto: 'udp', localAddress: '127.0.0.1', localPort: 57419, state: 'UNCONN', pid: 13623, process: 'node' },
        { proto: 'udp6', localAddress: '::1', localPort: 42890, state: 'UNCONN', pid: 13623, process: 'node' },
      ]),
    );
  });
});

describe('linux.sockets with hand-made hostile input', () => {
  it('handles %iface, IPv6 forms, several owners, split rows and garbage from ss', async () => {
    expect(await collect('sockets-hostile')).toEqual([
      { proto: 'udp', localAddress: '127.0.0.53', localPort: 53, state: 'UNCONN', pid: 611, process: 'systemd-resolve' },
      { proto: 'udp6', localAddress: 'fe80::1c2b:3cff:fe4d:5e6f', localPort: 546, state: 'UNCONN', pid: 702, process: 'NetworkManager' },
      { proto: 'tcp6', localAddress: '::', localPort: 5900, state: 'LISTEN', pid: 2301, process: 'vino-server' },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 22, state: 'LISTEN', pid: 812, process: 'sshd' },
      {
        proto: 'tcp6',
        localAddress: '::ffff:127.0.0.1',
        localPort: 5900,
        remoteAddress: '::ffff:127.0.0.1',
        remotePort: 51234,
        state: 'ESTABLISHED',
        pid: 4300,
        process: 'x11vnc',
      },
      {
        proto: 'tcp',
        localAddress: '192.168.1.20',
        localPort: 22,
        remoteAddress: '192.168.1.7',
        remotePort: 50522,
        state: 'ESTABLISHED',
        pid: 1500,
        process: 'sshd',
      },
      { proto: 'tcp6', localAddress: '::', localPort: 22, state: 'LISTEN' },
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 6000, state: 'LISTEN', pid: 4400, process: 'evil\\n[ OK ] fake' },
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 6001, state: 'LISTEN', pid: 4401, process: '\\x1b[31mq"t' },
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 6002, remoteAddress: '127.0.0.1', remotePort: 40000, state: 'TIME_WAIT' },
    ]);
  });

  it('skips garbage lines in /proc/net and copes with a missing table', async () => {
    expect(await collect('sockets-procnet-hostile')).toEqual([
      { proto: 'udp', localAddress: '127.0.0.53', localPort: 53, state: 'UNCONN', pid: 611, process: 'systemd-resolve' },
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5900, state: 'LISTEN', pid: 4300, process: 'x11vnc' },
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 5900,
        remoteAddress: '127.0.0.1',
        remotePort: 50000,
        state: 'ESTABLISHED',
        pid: 4300,
        process: 'x11vnc',
      },
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 6000, remoteAddress: '127.0.0.1', remotePort: 40000, state: 'TIME_WAIT' },
      { proto: 'tcp6', localAddress: '::1', localPort: 5900, state: 'LISTEN', pid: 4300, process: 'x11vnc' },
      { proto: 'tcp6', localAddress: 'fe80::1c2b:3cff:fe4d:5e6f', localPort: 22, state: 'LISTEN' },
      {
        proto: 'tcp6',
        localAddress: '::ffff:127.0.0.1',
        localPort: 5900,
        remoteAddress: '::ffff:127.0.0.1',
        remotePort: 54321,
        state: 'ESTABLISHED',
      },
    ]);
  });

  it('names a socket several processes share after the highest pid, as ss does, and leaves ss alone', async () => {
    // 127.0.0.1:5900 listening, inode 700, held by a parent (pid 90) and its forked child (pid 4100)
    const runner = new ReplayRunner({
      files: {
        '/proc/net/tcp': `${PROC_NET_HEADER}   0: 0100007F:170C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 700 1 0000000000000000 100 0 0 10 0\n`,
        '/proc/90/comm': 'vncserver\n',
        '/proc/4100/comm': 'vnc-child\n',
        '/proc/777/comm': 'other\n',
      },
      links: {
        '/proc/90/fd/3': 'socket:[700]',
        '/proc/777/fd/0': '/dev/null',
        '/proc/4100/fd/3': 'socket:[700]',
        '/proc/4100/fd/4': 'socket:[7000]',
      },
      commands: { [['ss', ...SS_ARGS].join(' ')]: 'tcp LISTEN 0 5 127.0.0.1:5900 0.0.0.0:* users:(("wrong",pid=1,fd=3))\n' },
    });
    expect((await linuxSockets.collect(ctx(runner))).sockets).toEqual([
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5900, state: 'LISTEN', pid: 4100, process: 'vnc-child' },
    ]);
    expect(runner.calls).toEqual([]);
  });

  it('finds the owner of a socket held behind thousands of other descriptors', async () => {
    const links: Record<string, string> = { '/proc/61/fd/9000': 'socket:[700]' };
    for (let fd = 0; fd < 5000; fd++) links[`/proc/61/fd/${fd}`] = '/dev/null';
    const runner = new ReplayRunner({
      files: {
        '/proc/net/tcp': `${PROC_NET_HEADER}   0: 0100007F:170C 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 700 1 0000000000000000 100 0 0 10 0\n`,
        '/proc/61/comm': 'hidden\n',
      },
      links,
    });
    expect((await linuxSockets.collect(ctx(runner))).sockets).toEqual([
      { proto: 'tcp', localAddress: '127.0.0.1', localPort: 5900, state: 'LISTEN', pid: 61, process: 'hidden' },
    ]);
  });

  it('parses endpoints and kernel addresses exactly', () => {
    expect(parseEndpoint('[fe80::1]%eth0:5900')).toEqual({ address: 'fe80::1', port: 5900, v6: true });
    expect(parseEndpoint('0.0.0.0:*')).toEqual({ address: '0.0.0.0', port: undefined, v6: false });
    expect(parseEndpoint('host.example:22')).toBeUndefined();
    expect(parseEndpoint('1.2.3.4:70000')).toBeUndefined();
    expect(decodeProcAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeProcAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeProcAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
    expect(decodeProcAddress('B80D0120000000000000010000000000')).toBe('2001:db8:0:0:1::');
    expect(decodeProcAddress('0100007')).toBeUndefined();
  });

  it('fails with one line when neither ss nor /proc/net is there', async () => {
    const err = await linuxSockets.collect(ctx(new ReplayRunner({}))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('cannot list sockets: ss not found; /proc/net unreadable');
  });
});
