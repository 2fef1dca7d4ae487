import { promises as fs } from 'node:fs';
import os from 'node:os';
import { spoolFilePath } from './records.ts';

// A daemon and an operator's `ratwatch flush` may run at once; without a lock both would send the same
// spool file. The lock file names its holder's pid so a lock left by a killed process can be taken over,
// and the boot it was taken in: after a power cut the pid may belong to another live process, which
// would otherwise keep the spool locked (and every report unmade) until that process ends.

const held = new Set<string>();
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

/** Creates the lock file exclusively; false when someone else's is there. */
async function create(file: string): Promise<boolean> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  held.add(file); // at once: another Reporter of this process must see it as held, not as a leftover
  try {
    await fh.writeFile(`${process.pid} ${bootTime()}`);
  } catch (e) {
    held.delete(file);
    await fs.rm(file, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
  return true;
}

async function tryAcquire(file: string): Promise<boolean> {
  if (await create(file)) return true;
  const text = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  const [pidText, bootText] = text.split(/\s+/);
  const owner = Number(pidText);
  const earlierBoot = bootText !== undefined && Number(bootText) < bootTime() - BOOT_SLACK_S;
  let stale: boolean;
  if (text === '') {
    // Empty: a holder between create and write, or one killed right there; only age tells them apart.
    const st = await fs.stat(file).catch(() => undefined);
    stale = !st || Date.now() - st.mtimeMs > 5000;
  } else {
    // A pid equal to ours that this process does not hold is a leftover from an earlier process that had it.
    stale = owner === process.pid ? !held.has(file) : earlierBoot || !alive(owner);
  }
  if (!stale) return false;
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
  for (;;) {
    if (await tryAcquire(file)) break;
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
      held.delete(file);
    }
  }
}
