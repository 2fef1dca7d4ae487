import fs from 'node:fs';
import path from 'node:path';
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
  if (cmd.startsWith('"')) {
    const m = /^"([^"]+)"/.exec(cmd);
    return m && fs.existsSync(m[1]) ? m[1] : '';
  }
  if (!cmd.startsWith('/')) return '';
  const words = cmd.split(' ');
  for (let n = 1; n <= Math.min(words.length, MAX_PATH_TRIES); n++) {
    const candidate = words.slice(0, n).join(' ');
    if (fs.existsSync(candidate)) return candidate;
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
