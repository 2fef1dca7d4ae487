import { existsSync, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SpoolBusyError, withSpoolLock } from '../../../../agent/spool/lock.ts';

// Two Reporters of one process share a spool: when the first releases the lock while the second is
// waiting for it, the second must end up holding a lock file that nobody deletes under it.
// The file system is real; the spy only holds the first holder's unlink until the second one has looked,
// which is the interleaving a loaded machine produces now and then.

const root = mkdtempSync(join(tmpdir(), 'ratwatch-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('withSpoolLock between two holders of one process', () => {
  it('the releasing holder never deletes the lock file of the holder that came next', async () => {
    const dir = join(root, 'race');
    await fsp.mkdir(dir, { recursive: true });
    const lock = join(dir, 'lock');

    const realRm = fsp.rm.bind(fsp);
    const realOpen = fsp.open.bind(fsp);
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let firstRelease: Promise<void> | undefined;
    let releaseStarted!: () => void;
    const started = new Promise<void>((r) => (releaseStarted = r));
    let secondRemovedLock = false;
    let secondOpens = 0;

    vi.spyOn(fsp, 'rm').mockImplementation(async (p, o) => {
      if (p === lock && !firstRelease) {
        // The first holder's release: held back until the second holder has looked at the lock
        firstRelease = gate.then(() => realRm(p, o));
        releaseStarted();
        return firstRelease;
      }
      if (p === lock) secondRemovedLock = true;
      return realRm(p, o);
    });

    const first = withSpoolLock(dir, async () => 'first');
    await started;
    vi.spyOn(fsp, 'open').mockImplementation((async (p: string, ...rest: unknown[]) => {
      if (p === lock && ++secondOpens === 2 && !secondRemovedLock) {
        // The second holder saw the lock held and waited instead of taking it: let the release finish
        openGate();
        await firstRelease;
      }
      return (realOpen as (...a: unknown[]) => Promise<unknown>)(p, ...rest);
    }) as typeof fsp.open);

    const second = withSpoolLock(
      dir,
      async () => {
        openGate();
        await first; // the first holder's release has run to its end
        const stillLocked = existsSync(lock);
        const third = await withSpoolLock(dir, async () => 'third').catch((e: unknown) => e);
        return { stillLocked, third };
      },
      5000,
    );

    expect(await first).toBe('first');
    const { stillLocked, third } = await second;
    expect(stillLocked).toBe(true);
    expect(third).toBeInstanceOf(SpoolBusyError);
    expect(existsSync(lock)).toBe(false);
  });
});
