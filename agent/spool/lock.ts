import { promises as fs } from 'node:fs';
import os from 'node:os';
import { readSafeFile } from '../config/safe-file.ts';
import { spoolFilePath } from './records.ts';

// A daemon and an operator's `ratwatch flush` may run at once; without a lock both would send the same
// spool file. The lock file names its holder's pid so a lock left by a killed process can be taken over,
// and the boot it was taken in: after a power cut the pid may belong to another live process, which
// would otherwise keep the spool locked (and every report unmade) until that process ends.

// lock file -> the acquisition holding it; a release clears only its own mark, never the next holder's
const held = new Map<string, symbol>();
// Boot times computed from the wall clock move when it is stepped; only a gap this large means another boot.
const BOOT_SLACK_S = 600;

function bootTime(): number {
  return Math.round(Date.now() / 1000 - os.uptime());
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file exclusively; its holder's token, or undefined when someone else's is there. */
async function create(file: string): Promise<symbol | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  const token = Symbol(file);
  held.set(file, token); // at once: another Reporter of this process must see it as held, not as a leftover
  try {
    await fh.writeFile(`${process.pid} ${bootTime()}`);
  } catch (e) {
    held.delete(file);
    await fs.rm(file, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
  return token;
}

// The lock lives in the agent's own spool folder, yet one that is a FIFO, a device or a huge file must
// not hang the agent or fill its memory: it is read like every input, and one that cannot be read reads
// as empty (its age then decides, as for a holder killed before writing).
function holderText(file: string): string {
  try {
    return readSafeFile(file, { what: 'spool lock', maxBytes: 256, noFollow: true }).toString('utf8');
  } catch {
    return '';
  }
}

async function tryAcquire(file: string): Promise<symbol | undefined> {
  const mine = await create(file);
  if (mine) return mine;
  const text = holderText(file).trim();
  const [pidText, bootText] = text.split(/\s+/);
  const owner = Number(pidText);
  const earlierBoot = bootText !== undefined && Number(bootText) < bootTime() - BOOT_SLACK_S;
  let stale: boolean;
  if (text === '') {
    // Empty: a holder between create and write, or one killed right there; only age tells them apart.
    const st = await fs.stat(file).catch(() => undefined);
    // gone: its holder released it; removing now could delete the file of whoever took it since
    if (!st) return create(file);
    stale = Date.now() - st.mtimeMs > 5000;
  } else {
    // A pid equal to ours that this process does not hold is a leftover from an earlier process that had it.
    stale = owner === process.pid ? !held.has(file) : earlierBoot || !alive(owner);
  }
  if (!stale) return undefined;
  await fs.rm(file, { force: true });
  return create(file);
}

export class SpoolBusyError extends Error {
  constructor(dir: string) {
    super(`spool ${dir} is in use by another ratwatch process`);
    this.name = 'SpoolBusyError';
  }
}

/**
 * Runs fn holding the spool lock; waits up to waitMs for another holder (another process, or another
 * Reporter of this one), then throws SpoolBusyError. Not reentrant.
 */
export async function withSpoolLock<T>(dir: string, fn: () => Promise<T>, waitMs = 0): Promise<T> {
  const file = spoolFilePath(dir, 'lock');
  const deadline = Date.now() + waitMs;
  let token: symbol | undefined;
  for (;;) {
    token = await tryAcquire(file);
    if (token) break;
    if (Date.now() >= deadline) throw new SpoolBusyError(dir);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    // Removed while still marked held: marked free first, another Reporter of this process could take the
    // file as a leftover and create its own, which this rm would then delete under it
    try {
      await fs.rm(file, { force: true });
    } finally {
      if (held.get(file) === token) held.delete(file);
    }
  }
}
