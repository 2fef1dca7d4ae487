import fs from 'node:fs';

// /proc/<pid>/cmdline and environ are copied out of the process's own memory, under its memory-map lock
// taken for reading. That lock is fair: once a writer queues on it (a thread of the process calling mmap,
// munmap, mprotect or brk), every later reader waits behind the writer. A user can make the writer wait
// for good without any privilege: another of their processes reads the first one's memory through
// /proc/<pid>/mem at a page mapped from a FUSE file whose server never answers. That read holds the lock
// for as long as the page fault waits, the writer queues behind it, and from then on every read of the
// process's cmdline waits too, in a wait only SIGKILL ends (ps hangs there). A synchronous read would stop
// the agent's event loop, a read on a pool thread would keep the agent from exiting (Node's exit joins the
// pool): such a read goes to a program that can be abandoned (runner.ts, fs-delegate.ts) instead.
//
// A queued or holding writer is a thread in state D (uninterruptible or killable sleep), so the agent reads
// the memory of a process in-process only when none of its threads is in D. A process in D for an
// ordinary reason (a disk read) costs one short-lived program. What stays open is a writer that starts to
// wait between this check and the read, a few microseconds later.

/** Files that the kernel copies out of a process's memory, taking its memory-map lock. */
const PROC_MEMORY = /^\/proc\/(\d+)\/(?:task\/\d+\/)?(?:cmdline|environ)$/;

// a process with more threads than this is not looked at thread by thread (that many reads would cost
// more than the program that reads its memory aside)
const MAX_THREADS = 4096;

const scratch = Buffer.allocUnsafe(4096);

/** The pid whose memory the file is read from, or undefined for any other path. */
export function memoryOf(path: string): number | undefined {
  const m = PROC_MEMORY.exec(path);
  return m ? Number(m[1]) : undefined;
}

/**
 * /proc/<pid>/stat's state letter and thread count. The name in parentheses is the process's own and can
 * hold ") D 1 ": the fields are counted after its last ')'.
 */
export function parseStat(text: string): { state: string; threads: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  // after the name: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads(20)
  const threads = Number(f[17]);
  if (!f[0] || !Number.isInteger(threads)) return undefined;
  return { state: f[0], threads };
}

function readStat(path: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY);
  } catch {
    return undefined;
  }
  try {
    return scratch.toString('latin1', 0, fs.readSync(fd, scratch, 0, scratch.length, null));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether a thread of the process sleeps in state D, so that reading its memory may wait on a writer
 * (see above). A process that is gone or unreadable answers false: the read then fails at once.
 */
export function memoryMayWait(pid: number): boolean {
  const own = readStat(`/proc/${pid}/stat`);
  const main = own === undefined ? undefined : parseStat(own);
  if (!main) return false;
  if (main.state === 'D') return true;
  if (main.threads <= 1) return false;
  if (main.threads > MAX_THREADS) return true;
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  for (let i = 0; i < tids.length && i <= MAX_THREADS; i++) {
    if (tids[i] === String(pid)) continue;
    const t = readStat(`/proc/${pid}/task/${tids[i]}/stat`);
    if (t !== undefined && parseStat(t)?.state === 'D') return true;
  }
  return false;
}
