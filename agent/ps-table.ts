import fs from 'node:fs';
import path from 'node:path';
import { reachOf } from './fs-reach.ts';
import { memoryMayWait } from './proc-memory.ts';
import type { PsEntry } from './runner.ts';

// The process table from `ps`, read the way ps-list 9 reads it (two listings joined by pid, the name
// being the basename of the running executable, else of an absolute path at the start of the command
// line, else ps's comm), but run through the Runner: ps gets an absolute path and the minimal child
// environment, so the agent's secrets (RATWATCH_TOKEN...) never reach another program.

/** `ps` arguments: pid, parent, uid and comm (last: it may hold spaces); then pid and the whole command line. */
export const PS_FIELDS_ARGS = ['awwxo', 'pid=,ppid=,uid=,comm='];
export const PS_ARGS_ARGS = ['awwxo', 'pid=,args='];

const MAX_PATH_TRIES = 6; // "/opt/My App/bin/x --flag": join at most this many space-separated words

function exePathOf(pid: number, cmd: string, platform: NodeJS.Platform): string {
  if (platform === 'linux') {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`).replace(/\s+\(deleted\)$/, '');
    } catch {
      // another user's process without root, or gone
    }
  }
  return exeFromCmd(cmd);
}

// A command line is the process's to write: a path into a file system that never answers (fs-reach.ts)
// must not be looked up by this synchronous check, and is not taken as the program
const exists = (p: string) => reachOf(p).local && fs.existsSync(p);

/** The program path at the start of a command line, when that file exists. */
function exeFromCmd(cmd: string): string {
  if (cmd.startsWith('"')) {
    const m = /^"([^"]+)"/.exec(cmd);
    return m && exists(m[1]) ? m[1] : '';
  }
  if (!cmd.startsWith('/')) return '';
  const words = cmd.split(' ');
  for (let n = 1; n <= Math.min(words.length, MAX_PATH_TRIES); n++) {
    const candidate = words.slice(0, n).join(' ');
    if (exists(candidate)) return candidate;
  }
  return '';
}

function byPid(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const sp = line.indexOf(' ');
    m.set(sp === -1 ? line : line.slice(0, sp), sp === -1 ? '' : line.slice(sp + 1).trim());
  }
  return m;
}

/** Joins the two listings; `platform` decides whether /proc/<pid>/exe names the program. */
export function parsePsTable(fieldsOut: string, argsOut: string, platform: NodeJS.Platform = process.platform): PsEntry[] {
  const cmds = byPid(argsOut);
  const out: PsEntry[] = [];
  for (const raw of fieldsOut.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const pid = Number(m[1]);
    const cmd = cmds.get(m[1]) ?? '';
    const exe = exePathOf(pid, cmd, platform);
    out.push({ pid, ppid: Number(m[2]), uid: Number(m[3]), name: exe ? path.basename(exe) : m[4].trim(), cmd });
  }
  return out;
}

// More pids than any real host runs: the table stops there, as the collector does
const MAX_PIDS = 20_000;
const SMALL_READ = 16 * 1024;
// /proc files are generated on read and small: one buffer serves every read of a listing
const scratch = Buffer.allocUnsafe(SMALL_READ);

/** A small /proc file as text, or undefined when the process is gone or hidden. At most SMALL_READ bytes. */
function readSmall(path: string): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK and the fstat below: what sits under /proc/<pid>/ is a kernel file, a directory or a link to the
    // running binary, never a device or FIFO, but nothing else is read
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
    let total = 0;
    for (let n = -1; n !== 0 && total < SMALL_READ; total += n) n = fs.readSync(fd, scratch, total, SMALL_READ - total, null);
    return scratch.toString('utf8', 0, total);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The same table read from /proc directly, which is where ps itself reads it on Linux: no program to start,
 * and per process one small file and one link instead of two ps runs reading a handful each. Names as
 * ps-list gives them (the running executable's basename, else an absolute path at the start of the command
 * line, else the kernel's comm); uid and ppid from status, the effective uid as ps's "uid" column. The
 * command line is read only where the name needs it: the process collector reads every one itself.
 * Throws when /proc cannot be listed.
 */
export function readProcTable(): PsEntry[] {
  const out: PsEntry[] = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (out.length >= MAX_PIDS) break;
    if (!/^\d+$/.test(ent)) continue;
    const pid = Number(ent);
    const status = readSmall(`/proc/${pid}/status`);
    if (status === undefined) continue; // gone since the listing
    const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
    const ppid = /^PPid:\s+(\d+)/m.exec(status);
    const e: PsEntry = { pid, name: '' };
    if (ppid) e.ppid = Number(ppid[1]);
    if (uid) e.uid = Number(uid[1]);
    if (/^Kthread:\s+1$/m.test(status)) e.kthread = true;
    let exe = '';
    try {
      e.exeLink = fs.readlinkSync(`/proc/${pid}/exe`);
      exe = e.exeLink.replace(/\s+\(deleted\)$/, '');
    } catch {
      // a kernel thread, or another user's process without root
    }
    // a process whose memory may make the read wait (proc-memory.ts) is named by its comm instead
    if (!exe && !e.kthread && !memoryMayWait(pid)) {
      const raw = readSmall(`/proc/${pid}/cmdline`);
      if (raw !== undefined) {
        e.cmd = raw.replace(/\0+$/, '').replaceAll('\0', ' ');
        exe = exeFromCmd(e.cmd);
      }
    }
    e.name = exe ? path.basename(exe) : (readSmall(`/proc/${pid}/comm`) ?? '').trim(); // trimmed as parsePsTable trims comm
    out.push(e);
  }
  return out;
}
