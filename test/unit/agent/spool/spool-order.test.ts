import { existsSync, mkdirSync, mkdtempSync, promises, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { emptyState, planReport } from '../../../../agent/report/plan.ts';
import type { NativeReport, ReportKind } from '../../../../agent/report/types.ts';
import { Spool, SpoolCorruptError } from '../../../../agent/spool/spool.ts';
import { finding, scanResult } from '../../../helpers/report-helpers.ts';

// Delivery order and what stays where on disk (issue 17). Many files are written in shuffled order so the
// directory's own order (a hash order on ext4) cannot pass for the spool's order.

const root = mkdtempSync(join(tmpdir(), 'ratwatch-spool-o-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const KINDS: ReportKind[] = ['full', 'delta', 'heartbeat'];
function report(sequence: number, kind: ReportKind, id: number): NativeReport {
  const { report: r } = planReport({
    state: emptyState(),
    result: scanResult([finding('anydesk:1')]),
    agentId: 'a',
    reportId: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    fullStateEvery: 1,
    now: new Date('2026-11-23T10:00:00Z'),
  });
  return { ...r, sequence, kind };
}
async function newSpool() {
  const dir = join(root, `s${++dirs}`);
  const log: string[] = [];
  const spool = new Spool(dir, { maxFiles: 1000, maxBytes: 1e9, log: (l) => log.push(l) });
  await spool.open();
  return { dir, spool, log };
}
// A fixed shuffle (no randomness in tests): i * 7 mod 30 visits every index once
const shuffled = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);

// Node's readdir returns names in byte order on Linux (libuv sorts scandir's answer), which for the spool's
// zero-padded names is already delivery order; nothing promises that elsewhere (FAT, network shares). The
// tests run once with the real order and once with the folder read backwards, so the spool's own ordering
// is what they see.
const realReaddir = promises.readdir.bind(promises);
async function withOrder<T>(order: 'as read' | 'backwards', fn: () => Promise<T>): Promise<T> {
  if (order === 'as read') return fn();
  const spy = vi
    .spyOn(promises, 'readdir')
    .mockImplementation((async (...args: Parameters<typeof realReaddir>) =>
      ((await realReaddir(...args)) as unknown[]).reverse()) as never);
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}
const ORDERS = ['as read', 'backwards'] as const;

describe.each(ORDERS)('spool order, folder %s', (order) => {
  it('lists reports by sequence, and reports of one sequence by file name, whatever order they were written in', async () => {
    const { spool } = await newSpool();
    const written: { sequence: number; name: string }[] = [];
    for (const i of shuffled) {
      const r = report(1 + Math.floor(i / 3), KINDS[i % 3], 1000 - i);
      written.push({ sequence: r.sequence, name: await spool.put(r) });
    }
    const expected = [...written].sort((a, b) => a.sequence - b.sequence || (a.name < b.name ? -1 : 1)).map((w) => w.name);
    expect(await withOrder(order, async () => (await spool.list()).map((e) => e.name))).toEqual(expected);
  });

  it('quarantine keeps the 200 last names in name order and deletes the rest', async () => {
    const { dir, spool } = await newSpool();
    const q = join(dir, 'quarantine');
    const names = shuffled.flatMap((i) => Array.from({ length: 7 }, (_, k) => `q-${String(i * 7 + k).padStart(3, '0')}.json`));
    for (const n of names) writeFileSync(join(q, n), '');
    writeFileSync(join(dir, 'z.json'), '');
    await withOrder(order, () => spool.list());
    expect(readdirSync(q).sort()).toEqual([...names, 'z.json'].sort().slice(-200));
  });
});

describe('strays in rejected/', () => {
  it('are left where they are by counting, bounding, requeueing and the sequence scan; put leaves spool strays to list()', async () => {
    const { dir, spool, log } = await newSpool();
    mkdirSync(join(dir, 'rejected'), { recursive: true });
    writeFileSync(join(dir, 'rejected', 'notes.json'), '{}');
    await spool.put(report(1, 'full', 1));
    await spool.put(report(2, 'delta', 2));
    const [first] = await spool.list();
    await spool.reject(first);
    expect(await spool.countRejected()).toBe(1);
    expect(await spool.maxSequence()).toBe(2);
    writeFileSync(join(dir, 'stray.json'), '{}');
    await spool.put(report(3, 'heartbeat', 3));
    expect(existsSync(join(dir, 'stray.json'))).toBe(true);
    expect(await spool.requeueRejected()).toBe(1);
    expect(readdirSync(join(dir, 'rejected'))).toEqual(['notes.json']);
    expect(readdirSync(join(dir, 'quarantine'))).toEqual([]);
    expect(log).toEqual([]);
    await spool.list(); // only now is the spool's own stray quarantined
    expect(readdirSync(join(dir, 'quarantine'))).toEqual(['stray.json']);
  });
});

describe('removing and refusing', () => {
  it('removing a report another process already delivered is not an error', async () => {
    const { spool } = await newSpool();
    await spool.put(report(1, 'delta', 1));
    const [e] = await spool.list();
    await spool.remove(e);
    await expect(spool.remove(e)).resolves.toBeUndefined();
    expect(await spool.list()).toEqual([]);
  });

  it('a damaged report is refused with an error that names itself and the file', async () => {
    const { dir, spool } = await newSpool();
    await spool.put(report(1, 'delta', 1));
    const [e] = await spool.list();
    writeFileSync(join(dir, e.name), '{"trunc');
    const err = await spool.read(e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(SpoolCorruptError);
    expect(err).toMatchObject({ name: 'SpoolCorruptError', entryName: e.name });
    expect(String(err)).toMatch(/^SpoolCorruptError: \d{12}-delta-[0-9a-f-]+\.json: invalid JSON/);
  });
});
