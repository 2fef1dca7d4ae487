import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { Spool, SpoolCorruptError, spoolFileName } from '../../../../agent/spool/spool.ts';
import { spoolFactory, spoolReport } from '../../../helpers/spool.ts';

// What is on disk after each spool decision: limits reached by files and by bytes, our own files left
// alone, strays quarantined, forged or linked files refused (issue 17).

const { fresh, newSpool } = spoolFactory('ratwatch-spool-m-');
const report = spoolReport;
const size = (r: NativeReport) => Buffer.byteLength(JSON.stringify(r));

describe('spool limits', () => {
  it('the byte limit alone drops the oldest heartbeats, exactly as many as needed', async () => {
    const hb = size(report(2, 'heartbeat'));
    const full = size(report(1, 'full'));
    // room for the full report and three heartbeats, not four
    const { spool, log } = await newSpool({ maxBytes: full + 3 * hb + hb - 1 });
    await spool.put(report(1, 'full'));
    for (let s = 2; s <= 4; s++) await spool.put(report(s, 'heartbeat'));
    expect(log).toEqual([]);
    expect((await spool.list()).map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    await spool.put(report(5, 'heartbeat'));
    expect((await spool.list()).map((e) => e.sequence)).toEqual([1, 3, 4, 5]);
    expect(log).toEqual(['ratwatch: spool: full, dropped 1 oldest heartbeat report(s)']);
  });

  it('exactly at the limit nothing is dropped', async () => {
    const hb = size(report(2, 'heartbeat'));
    const { spool, log } = await newSpool({ maxFiles: 3, maxBytes: 3 * hb });
    for (let s = 2; s <= 4; s++) await spool.put(report(s, 'heartbeat'));
    expect((await spool.list()).map((e) => e.sequence)).toEqual([2, 3, 4]);
    expect(log).toEqual([]);
  });

  it('past the byte limit with only findings left, nothing is dropped and the warning gives files and bytes', async () => {
    const d = size(report(1, 'delta'));
    const { spool, log } = await newSpool({ maxBytes: d });
    await spool.put(report(1, 'delta'));
    await spool.put(report(2, 'delta'));
    expect((await spool.list()).map((e) => e.sequence)).toEqual([1, 2]);
    expect(log).toEqual([`ratwatch: spool: over its limit (2 files, ${2 * d} bytes); reports with findings are never dropped`]);
  });

  it('rejected/ has the same limits and says so under its own name', async () => {
    const { dir, spool, log } = await newSpool({ maxFiles: 2 });
    for (const [s, k] of [
      [1, 'heartbeat'],
      [2, 'delta'],
      [3, 'heartbeat'],
    ] as const) {
      await spool.put(report(s, k));
    }
    // the spool itself dropped heartbeat 1 to stay at two files
    expect(log).toEqual(['ratwatch: spool: full, dropped 1 oldest heartbeat report(s)']);
    for (const e of await spool.list()) await spool.reject(e);
    await spool.put(report(4, 'heartbeat'));
    await spool.reject((await spool.list())[0]);
    expect(readdirSync(join(dir, 'rejected')).sort()).toEqual([spoolFileName(report(2, 'delta')), spoolFileName(report(4, 'heartbeat'))]);
    expect(log.at(-1)).toBe('ratwatch: rejected: full, dropped 1 oldest heartbeat report(s)');
  });
});

describe('spool listing', () => {
  it('leaves our own files alone and quarantines only unknown .json files', async () => {
    const { dir, spool, log } = await newSpool();
    const own = ['state.json', 'backoff.json', 'agent-id', 'lock', 'sequence', 'hec-channel', 'hec-state.json', 'agent-key', 'daemon.sock'];
    for (const n of own) writeFileSync(join(dir, n), '{}');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, 'stray.json'), '{}');
    mkdirSync(join(dir, spoolFileName(report(7, 'delta')))); // a folder with a report's name is not a report
    await spool.put(report(1, 'delta'));
    expect((await spool.list()).map((e) => e.sequence)).toEqual([1]);
    for (const n of [...own, 'notes.txt']) expect(existsSync(join(dir, n)), n).toBe(true);
    expect(readdirSync(join(dir, 'quarantine'))).toEqual(['stray.json']);
    expect(log).toEqual(['ratwatch: spool: quarantined stray.json: not a spool file name']);
  });

  it('a second stray of the same name is kept beside the first, and quarantine keeps the newest 200', async () => {
    const { dir, spool } = await newSpool();
    writeFileSync(join(dir, 'x.json'), '1');
    await spool.list();
    writeFileSync(join(dir, 'x.json'), '2');
    await spool.list();
    const q = readdirSync(join(dir, 'quarantine')).sort();
    expect(q).toHaveLength(2);
    expect(q[0]).toBe('x.json');
    expect(q[1]).toMatch(/^x\.json\.\d+$/);
    expect(readFileSync(join(dir, 'quarantine', q[1]), 'utf8')).toBe('2');
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, 'quarantine', `old-${String(i).padStart(3, '0')}.json`), '');
    writeFileSync(join(dir, 'z.json'), '3');
    await spool.list();
    const after = readdirSync(join(dir, 'quarantine')).sort();
    expect(after).toHaveLength(200);
    expect(after).toContain('z.json');
    expect(after).not.toContain('old-000.json');
    expect(after).not.toContain('old-002.json');
    expect(after).toContain('old-003.json');
  });

  it('orders by sequence, then by name; maxSequence counts rejected reports and ignores strays', async () => {
    const { dir, spool } = await newSpool();
    await spool.put(report(5, 'heartbeat'));
    await spool.put(report(5, 'delta'));
    await spool.put(report(12, 'full'));
    expect((await spool.list()).map((e) => `${e.sequence}-${e.kind}`)).toEqual(['5-delta', '5-heartbeat', '12-full']);
    expect((await spool.list())[0].bytes).toBe(size(report(5, 'delta')));
    await spool.reject((await spool.list())[2]);
    expect(await spool.maxSequence()).toBe(12);
    writeFileSync(join(dir, '999999999999-full-nope.json'), '{}');
    expect(await spool.maxSequence()).toBe(12);
    expect(existsSync(join(dir, '999999999999-full-nope.json'))).toBe(true); // maxSequence moves nothing
    expect(await new Spool(fresh(), { maxFiles: 9, maxBytes: 9, log: () => undefined }).open().then(() => 0)).toBe(0);
  });

  it('a temp file being written is neither listed nor quarantined, whatever its name ends with', async () => {
    const { dir, spool, log } = await newSpool();
    writeFileSync(join(dir, '.tmp-state.json'), '{}');
    expect(await spool.list()).toEqual([]);
    expect(existsSync(join(dir, '.tmp-state.json'))).toBe(true);
    expect(log).toEqual([]);
  });

  it('open removes only temp files', async () => {
    const { dir, spool } = await newSpool();
    await spool.put(report(1, 'delta'));
    writeFileSync(join(dir, '.tmp-x'), '');
    writeFileSync(join(dir, 'state.json'), '{}');
    await spool.open();
    expect(readdirSync(dir).sort()).toEqual([spoolFileName(report(1, 'delta')), 'quarantine', 'rejected', 'state.json']);
  });

  it('refuses a spool folder that is a symbolic link', async () => {
    const real = `${fresh()}-real`;
    mkdirSync(real);
    const link = `${real}-link`;
    symlinkSync(real, link);
    await expect(new Spool(link, { maxFiles: 1, maxBytes: 1, log: () => undefined }).open()).rejects.toThrow(
      `spoolDir ${link}: refused, is a symbolic link`,
    );
  });
});

describe('reading a spooled report', () => {
  it('refuses a report file owned by someone else (a forgery) and a link, with the reason and no path prefix', async () => {
    const { dir, spool } = await newSpool();
    const r = report(1, 'delta');
    await spool.put(r);
    const [e] = await spool.list();
    expect(await spool.read(e)).toEqual(r);
    if (process.getuid?.() === 0) {
      chownSync(join(dir, e.name), 4321, 4321);
      const err = await spool.read(e).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(SpoolCorruptError);
      expect((err as SpoolCorruptError).entryName).toBe(e.name);
      expect((err as Error).message).toMatch(new RegExp(`^${e.name.replace(/\./g, '\\.')}: .*4321`));
      expect((err as Error).message).not.toContain(dir);
    }
    rmSync(join(dir, e.name));
    writeFileSync(join(dir, 'elsewhere'), JSON.stringify(r));
    symlinkSync(join(dir, 'elsewhere'), join(dir, e.name));
    const err = await spool.read(e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(SpoolCorruptError);
    expect((err as Error).message).not.toContain(dir);
  });

  it('names each mismatch between the name and the content', async () => {
    const { dir, spool } = await newSpool();
    const r = report(3, 'delta');
    await spool.put(r);
    const [e] = await spool.list();
    for (const bad of [{ reportId: '00000000-0000-4000-8000-000000000009' }, { kind: 'full' }, { sequence: 4 }]) {
      writeFileSync(join(dir, e.name), JSON.stringify({ ...r, ...bad }));
      await expect(spool.read(e), JSON.stringify(bad)).rejects.toThrow(`${e.name}: content does not match the file name`);
    }
    writeFileSync(join(dir, e.name), '{"a":');
    await expect(spool.read(e)).rejects.toThrow(new RegExp(`^${e.name.replace(/\./g, '\\.')}: invalid JSON \\(`));
    writeFileSync(join(dir, e.name), '[]');
    await expect(spool.read(e)).rejects.toThrow(`${e.name}: not a JSON object`);
  });

  it('remove deletes one report; requeue brings every rejected one back', async () => {
    const { dir, spool } = await newSpool();
    await spool.put(report(1, 'delta'));
    await spool.put(report(2, 'delta'));
    const [a, b] = await spool.list();
    await spool.remove(a);
    expect((await spool.list()).map((e) => e.name)).toEqual([b.name]);
    await spool.put(report(3, 'full'));
    for (const e of await spool.list()) await spool.reject(e);
    expect(await spool.countRejected()).toBe(2);
    expect(await spool.requeueRejected()).toBe(2);
    expect(await spool.countRejected()).toBe(0);
    expect(readdirSync(join(dir, 'rejected'))).toEqual([]);
    expect((await spool.list()).map((e) => e.sequence)).toEqual([2, 3]);
  });

  it('a rejected/ or quarantine/ folder deleted while the agent runs is made again, owner-only, on the next move', async () => {
    const { dir, spool, log } = await newSpool();
    await spool.put(report(1, 'delta'));
    rmSync(join(dir, 'rejected'), { recursive: true });
    rmSync(join(dir, 'quarantine'), { recursive: true });
    await spool.reject((await spool.list())[0]);
    expect(await spool.countRejected()).toBe(1);
    writeFileSync(join(dir, 'stray.json'), '{}');
    expect(await spool.list()).toEqual([]);
    expect(readdirSync(join(dir, 'quarantine'))).toEqual(['stray.json']);
    expect(log).toEqual(['ratwatch: spool: quarantined stray.json: not a spool file name']);
    for (const sub of ['rejected', 'quarantine']) expect(statSync(join(dir, sub)).mode & 0o777).toBe(0o700);
  });
});
