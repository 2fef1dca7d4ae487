import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { memoryMayWait, memoryOf, parseStat } from '../../../agent/proc-memory.ts';

// /proc/<pid>/stat as Linux 6.18 prints it (read from `cat /proc/self/stat` on the test machine); the
// format is proc(5)'s "/proc/pid/stat": pid (comm) state ppid ... num_threads (field 20) ...
const CAT =
  '21965 (cat) R 21963 21963 14193 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 1225343 3133440 384 18446744073709551615 94660735889408 0\n';

describe('which reads go through a process memory', () => {
  it('is the command line and environment of a process or one of its threads, nothing else', () => {
    expect(memoryOf('/proc/4242/cmdline')).toBe(4242);
    expect(memoryOf('/proc/4242/environ')).toBe(4242);
    expect(memoryOf('/proc/4242/task/4243/cmdline')).toBe(4242);
    for (const other of ['/proc/4242/status', '/proc/4242/stat', '/proc/self/cmdline', '/proc/4242/root/proc/1/cmdline', '/tmp/cmdline'])
      expect(memoryOf(other), other).toBeUndefined();
  });
});

describe('/proc/<pid>/stat', () => {
  it('gives the state and the thread count', () => {
    expect(parseStat(CAT)).toEqual({ state: 'R', threads: 1 });
    expect(parseStat(CAT.replace('(cat) R', '(cat) D').replace(' 20 0 1 0 ', ' 20 0 7 0 '))).toEqual({ state: 'D', threads: 7 });
  });

  it("reads the fields after the name's last parenthesis: a process named to look like another state cannot", () => {
    // comm is 15 bytes at most and may hold ") D 1 (": what follows the real ')' is the kernel's
    expect(parseStat(CAT.replace('(cat) R', '(x) D 9 9 9) S'))).toEqual({ state: 'S', threads: 1 });
    expect(parseStat('garbage')).toBeUndefined();
    expect(parseStat('1 (a) R 1 2')).toBeUndefined();
  });
});

describe('memoryMayWait on real processes', () => {
  it('is false for this process and for a running child, and for a pid that is gone', async () => {
    expect(memoryMayWait(process.pid)).toBe(false); // several threads (libuv's pool), none in D
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(memoryMayWait(child.pid!)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
    expect(memoryMayWait(2 ** 22 + 1)).toBe(false); // above pid_max's ceiling: never a process
  });
});
