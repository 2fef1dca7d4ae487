import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../../../../../agent/runner.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { linuxProcesses } from '../../../../../agent/collectors/linux/processes.ts';
import { clean } from '../../../../../agent/text.ts';
import { splitArgs } from '../../../../../agent/collectors/linux/text.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'linux');
const ctx = (runner: Runner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const byPid = <T extends { pid: number }>(list: T[], pid: number) => list.find((p) => p.pid === pid);

describe('linux.processes from a real capture', () => {
  it('completes the ps table with /proc: exe, full argv, owner; kernel threads keep no exe', async () => {
    const runner = loadReplayDir(join(FIX, 'processes'));
    const { processes = [] } = await linuxProcesses.collect(ctx(runner));
    expect(processes.map((p) => p.pid)).toEqual([2, 14, 12264, 12280, 12283, 13567, 13623]);
    expect(byPid(processes, 2)).toEqual({ pid: 2, ppid: 0, name: 'kthreadd', user: 'root' });
    expect(byPid(processes, 14)).toEqual({ pid: 14, ppid: 2, name: 'ksoftirqd/0', user: 'root' });
    expect(byPid(processes, 12280)).toEqual({
      pid: 12280,
      ppid: 1,
      name: 'x11vnc',
      exe: '/usr/bin/x11vnc',
      user: 'root',
      cmdline: 'x11vnc -display :99 -localhost -rfbport 5999 -forever -shared -nopw -quiet',
    });
    // the renamed copy: ps calls it foo, its exe says where it lives
    expect(byPid(processes, 12283)).toMatchObject({ name: 'foo', exe: '/tmp/foo' });
    // a binary deleted while running: the kernel's " (deleted)" suffix is not part of the path
    expect(byPid(processes, 13567)).toMatchObject({ name: 'bar', exe: '/tmp/bar' });
    expect(byPid(processes, 12264)?.cmdline).toBe('Xvfb :99 -nolisten tcp -screen 0 800x600x24');
  });

  it('falls back to /proc alone when ps is missing, with the same results', async () => {
    const withPs = (await linuxProcesses.collect(ctx(loadReplayDir(join(FIX, 'processes'))))).processes;
    const runner = loadReplayDir(join(FIX, 'processes-proc'));
    const { processes = [] } = await linuxProcesses.collect(ctx(runner));
    expect(runner.calls).toContain('ps-list');
    expect(processes).toEqual(withPs);
  });
});

describe('linux.processes with hostile names', () => {
  it('escapes control and bidi characters and caps lengths', async () => {
    const { processes = [] } = await linuxProcesses.collect(ctx(loadReplayDir(join(FIX, 'processes-hostile'))));
    expect(byPid(processes, 4101)).toEqual({
      pid: 4101,
      ppid: 1,
      user: 'alice',
      name: 'evil\\n[ OK ] fake log line',
      exe: '/home/alice/.cache/evil\\n[ OK ] fake',
      cmdline: 'evil\\n[ OK ] fake log line --x',
    });
    expect(byPid(processes, 4102)).toEqual({
      pid: 4102,
      ppid: 1,
      user: 'alice',
      name: '\\x1b[2J\\x1b[31mred',
      exe: '/usr/bin/red',
      cmdline: '\\x1b[2J\\x1b[31mred \\x07bell',
    });
    const long = byPid(processes, 4103)!;
    expect(long.name).toHaveLength(256);
    expect(long.name.endsWith('A…')).toBe(true);
    // The whole command line (bounded by the kernel's ARG_MAX), not a 4,096-character prefix
    expect(long.cmdline).toHaveLength(9012);
    expect(long.cmdline!.endsWith('…')).toBe(false);
    expect(long.cmdline!.startsWith('/opt/a/long BBBB')).toBe(true);
    expect(byPid(processes, 4104)).toMatchObject({
      name: 'invoice\\u202efdp.exe',
      exe: '/home/alice/Downloads/invoice\\u202efdp.exe',
      user: '4242', // not in passwd: shown by number
    });
    // listed by ps, gone from /proc: what ps said is kept
    expect(byPid(processes, 4105)).toEqual({ pid: 4105, ppid: 1, name: 'gone', cmdline: '/usr/bin/gone --flag', user: 'root' });
    for (const p of processes) expect(JSON.stringify(p)).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
  });

  it('reads hostile comm files when ps is missing and skips non-pid entries', async () => {
    const { processes = [] } = await linuxProcesses.collect(ctx(loadReplayDir(join(FIX, 'processes-hostile-proc'))));
    expect(processes).toEqual([
      { pid: 4201, ppid: 1, name: '\\x1b]0;pwned\\x07x11vnc', exe: '/usr/bin/x11vnc', cmdline: 'x11vnc -rfbport 5900', user: '0' },
      { pid: 4202, ppid: 1, name: 'two\\nlines', user: '0' },
    ]);
  });

  it('fails with one line when neither ps nor /proc is there', async () => {
    const err = await linuxProcesses.collect(ctx(new ReplayRunner({}))).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('cannot list processes: ps not found; cannot list /proc: ENOENT');
  });
});

describe('text helpers', () => {
  it('escapes controls, line separators and invisible marks, and marks a cut', () => {
    expect(clean('a\u2028b\u0085c\u200bd\ufeffe\tf')).toBe('a\\u2028b\\x85c\\u200bd\\ufeffe\\tf');
    expect(clean('abcdef', 4)).toBe('abc…');
    expect(clean('C:\\Users\\x')).toBe('C:\\Users\\x'); // backslashes are left alone
  });

  it('splits command lines with both quote styles', () => {
    expect(splitArgs(`a 'b c' "d \\"e\\"" f\tg`)).toEqual(['a', 'b c', 'd "e"', 'f', 'g']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('""')).toEqual(['']);
  });
});
