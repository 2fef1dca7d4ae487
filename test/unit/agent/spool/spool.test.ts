import { readdirSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeReport, ReportKind } from '../../../../agent/report/types.ts';
import { atomicWrite } from '../../../../agent/spool/atomic.ts';
import { SpoolBusyError, withSpoolLock } from '../../../../agent/spool/lock.ts';
import { Spool, SpoolCorruptError, spoolFileName } from '../../../../agent/spool/spool.ts';
import { spoolFactory, spoolReport } from '../../../helpers/spool.ts';

const { root, newSpool } = spoolFactory('ratwatch-spool-');
// A report made now (the date matters to nothing here)
const report = (sequence: number, kind: ReportKind, findings = 1): NativeReport => spoolReport(sequence, kind, findings, new Date());

describe('atomicWrite', () => {
  it('writes owner-only files and leaves no temp file behind', async () => {
    const { dir } = await newSpool();
    await atomicWrite(join(dir, 'x.json'), '{"a":1}');
    await atomicWrite(join(dir, 'x.json'), '{"a":2}');
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('{"a":2}');
    expect(statSync(join(dir, 'x.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('Spool', () => {
  it('lists reports in sequence order and reads them back', async () => {
    const { spool } = await newSpool();
    for (const n of [3, 1, 2]) await spool.put(report(n, n === 2 ? 'heartbeat' : 'delta'));
    const list = await spool.list();
    expect(list.map((e) => [e.sequence, e.kind])).toEqual([
      [1, 'delta'],
      [2, 'heartbeat'],
      [3, 'delta'],
    ]);
    expect((await spool.read(list[0])).sequence).toBe(1);
    expect(await spool.maxSequence()).toBe(3);
  });

  it('tightens a spool directory that was created world-readable', async () => {
    const dir = join(root, 'wide');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync, chmodSync } = await import('node:fs');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    await new Spool(dir, { maxFiles: 10, maxBytes: 1e6, log: () => undefined }).open();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'rejected')).mode & 0o777).toBe(0o700);
  });

  it('ignores temp files, removes them on open, quarantines stray json', async () => {
    const { dir, spool, log } = await newSpool();
    await spool.put(report(1, 'full'));
    const r2 = report(2, 'delta');
    writeFileSync(join(dir, `.tmp-${spoolFileName(r2)}-abc`), JSON.stringify(r2));
    writeFileSync(join(dir, 'notes.json'), '{}');
    expect((await spool.list()).map((e) => e.sequence)).toEqual([1]);
    expect(existsSync(join(dir, 'quarantine', 'notes.json'))).toBe(true);
    expect(log).toEqual(['ratwatch: spool: quarantined notes.json: not a spool file name']);
    await spool.open();
    expect(readdirSync(dir).some((n) => n.startsWith('.tmp-'))).toBe(false);
  });

  it('detects truncated, foreign and mismatched files', async () => {
    const { dir, spool } = await newSpool();
    const r = report(1, 'delta');
    const name = spoolFileName(r);
    writeFileSync(join(dir, name), JSON.stringify(r).slice(0, 50));
    const [e] = await spool.list();
    await expect(spool.read(e)).rejects.toThrow(SpoolCorruptError);
    await expect(spool.read(e)).rejects.toThrow(/invalid JSON/);
    writeFileSync(join(dir, name), JSON.stringify({ ...r, sequence: 9 }));
    await expect(spool.read(e)).rejects.toThrow(/does not match the file name/);
    writeFileSync(join(dir, name), JSON.stringify({ ...r, findings: [{}] }));
    await expect(spool.read(e)).rejects.toThrow(/lacks id or tool/);
  });

  it('when full drops the oldest heartbeats and never a report with findings', async () => {
    const { spool, log } = await newSpool({ maxFiles: 10 });
    const kinds: ReportKind[] = [
      'full',
      'heartbeat',
      'heartbeat',
      'delta',
      'heartbeat',
      'heartbeat',
      'delta',
      'heartbeat',
      'heartbeat',
      'heartbeat',
    ];
    for (let i = 0; i < kinds.length; i++) await spool.put(report(i + 1, kinds[i]));
    expect(await spool.list()).toHaveLength(10);
    await spool.put(report(11, 'delta'));
    await spool.put(report(12, 'delta'));
    const after = await spool.list();
    expect(after).toHaveLength(10);
    expect(after.map((e) => e.sequence)).toEqual([1, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // heartbeats 2 and 3 went first
    expect(log.at(-1)).toBe('ratwatch: spool: full, dropped 1 oldest heartbeat report(s)');
    for (let s = 13; s < 30; s++) await spool.put(report(s, 'delta'));
    const final = await spool.list();
    expect(final.filter((e) => e.kind === 'heartbeat')).toEqual([]);
    expect(final.filter((e) => e.kind !== 'heartbeat')).toHaveLength(3 + 19);
    expect(log.at(-1)).toMatch(/over its limit \(22 files, \d+ bytes\); reports with findings are never dropped/);
  });

  it('bounds by bytes too', async () => {
    const { spool } = await newSpool({ maxBytes: 64 * 1024 });
    await spool.put(report(1, 'full', 40));
    for (let s = 2; s < 40; s++) await spool.put(report(s, 'heartbeat'));
    const list = await spool.list();
    expect(list.reduce((n, e) => n + e.bytes, 0)).toBeLessThanOrEqual(64 * 1024);
    expect(list[0].sequence).toBe(1);
    expect(list.at(-1)!.sequence).toBe(39);
  });

  it('moves rejected reports aside and can requeue them', async () => {
    const { dir, spool } = await newSpool();
    await spool.put(report(1, 'delta'));
    const [e] = await spool.list();
    await spool.reject(e);
    expect(await spool.list()).toEqual([]);
    expect(readdirSync(join(dir, 'rejected'))).toEqual([e.name]);
    expect(await spool.countRejected()).toBe(1);
    expect(await spool.maxSequence()).toBe(1); // a rejected report still holds its sequence number
    expect(await spool.requeueRejected()).toBe(1);
    expect((await spool.list()).map((x) => x.name)).toEqual([e.name]);
  });
});

describe('withSpoolLock', () => {
  it('excludes a second holder and takes over a lock left by a dead process', async () => {
    const { dir } = await newSpool();
    let inner: unknown;
    await withSpoolLock(dir, async () => {
      inner = await withSpoolLock(dir, async () => 1).catch((e) => e);
    });
    expect(inner).toBeInstanceOf(SpoolBusyError);
    // pid 2^22+ is above Linux's pid_max default, so it names no live process
    writeFileSync(join(dir, 'lock'), '4194999');
    expect(await withSpoolLock(dir, async () => 'took over')).toBe('took over');
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    writeFileSync(join(dir, 'lock'), String(process.ppid)); // a live process
    await expect(withSpoolLock(dir, async () => 1, 150)).rejects.toThrow(SpoolBusyError);
    rmSync(join(dir, 'lock'));
  });

  it('takes over a lock from before a reboot even when its pid now belongs to a live process', async () => {
    const { dir } = await newSpool();
    await withSpoolLock(dir, async () => {
      expect(readFileSync(join(dir, 'lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+$`));
    });
    const boot = Math.round(Date.now() / 1000 - uptime());
    writeFileSync(join(dir, 'lock'), `${process.ppid} ${boot}`); // a live holder in this boot
    await expect(withSpoolLock(dir, async () => 1, 150)).rejects.toThrow(SpoolBusyError);
    writeFileSync(join(dir, 'lock'), `${process.ppid} ${boot - 86_400}`); // the same pid, written a boot ago
    expect(await withSpoolLock(dir, async () => 'took over')).toBe('took over');
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});

describe('a report another process has sent', () => {
  it('is no longer in the spool once its file is gone, and the others still are', async () => {
    const { spool } = await newSpool();
    for (const n of [1, 2]) await spool.put(report(n, 'delta'));
    const [first, second] = await spool.list();
    expect([await spool.has(first), await spool.has(second)]).toEqual([true, true]);
    await spool.remove(first); // what the other process does once the endpoint took it
    expect([await spool.has(first), await spool.has(second)]).toEqual([false, true]);
  });
});
