import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpoolBusyError, withSpoolLock } from '../../../../agent/spool/lock.ts';

// The spool lock's holder is read from a file in the spool folder. One that is a FIFO (reading it would
// wait for a writer forever) or a huge file must neither hang nor fill memory: it reads as a lock without
// a holder, which its age then judges like a holder killed before writing. Real files, a real FIFO.

const root = mkdtempSync(join(tmpdir(), 'ratwatch-lock-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function spool(name: string): { dir: string; lock: string } {
  const dir = join(root, name);
  mkdirSync(dir);
  return { dir, lock: join(dir, 'lock') };
}

const LONG_AGO = new Date(Date.now() - 3600_000);

describe('withSpoolLock with a lock file that is not a small regular file', { timeout: 20_000 }, () => {
  it('a fresh FIFO: busy at once, no wait for a writer', async () => {
    const { dir, lock } = spool('fifo-fresh');
    execFileSync('/usr/bin/mkfifo', [lock]);
    await expect(withSpoolLock(dir, async () => 'ran')).rejects.toBeInstanceOf(SpoolBusyError);
    expect(statSync(lock).isFIFO()).toBe(true);
  });

  it('an old FIFO: taken over as a dead holder, replaced by a real lock and released', async () => {
    const { dir, lock } = spool('fifo-old');
    execFileSync('/usr/bin/mkfifo', [lock]);
    utimesSync(lock, LONG_AGO, LONG_AGO);
    expect(await withSpoolLock(dir, async () => (statSync(lock).isFile() ? 'ran holding a file lock' : 'wrong'))).toBe(
      'ran holding a file lock',
    );
    expect(existsSync(lock)).toBe(false);
  });

  it('an old lock of 1 GiB (sparse): not read, taken over', async () => {
    const { dir, lock } = spool('huge');
    writeFileSync(lock, '');
    execFileSync('/usr/bin/truncate', ['-s', '1G', lock]);
    utimesSync(lock, LONG_AGO, LONG_AGO);
    expect(await withSpoolLock(dir, async () => 'ran')).toBe('ran');
  });
});
