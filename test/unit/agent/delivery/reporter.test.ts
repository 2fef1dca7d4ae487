import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../agent/config/errors.ts';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { finding, reportConfig, scanResult } from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

// The Reporter's bookkeeping on disk, without a network (enqueue never sends).

const root = mkdtempSync(join(tmpdir(), 'ratwatch-reporter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function reporter(flags: Record<string, unknown> = {}, dir = join(root, `s${++n}`)) {
  const logs: string[] = [];
  return { dir, logs, r: new Reporter(reportConfig(dir, flags), { log: (l) => logs.push(l) }) };
}

const spooled = (dir: string) => pendingReports(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as NativeReport);

describe('Reporter bookkeeping', () => {
  it('generates an agent id once and keeps it; a configured one wins', async () => {
    const a = reporter();
    const id = await a.r.agentId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(join(a.dir, 'agent-id'), 'utf8').trim()).toBe(id);
    expect(await reporter({}, a.dir).r.agentId()).toBe(id);
    expect(await reporter({ agentId: 'laptop-7.corp' }, a.dir).r.agentId()).toBe('laptop-7.corp');
  });

  it('quarantines an unreadable state.json and starts over with a full report', async () => {
    const { r, dir, logs } = reporter();
    await r.enqueue(scanResult([finding('a:1')]));
    await r.enqueue(scanResult([finding('a:1')]));
    writeFileSync(join(dir, 'state.json'), '{"schema":"ratwatch.state/1", "cyc');
    const q = await r.enqueue(scanResult([finding('a:1')]));
    expect(q).toMatchObject({ kind: 'full', sequence: 3 }); // numbering continues from the spool
    expect(existsSync(join(dir, 'quarantine', 'state.json'))).toBe(true);
    expect(logs).toEqual([
      expect.stringMatching(/^ratwatch: spool: quarantined state.json: invalid JSON \(.+\); starting over with a full report$/),
    ]);
  });

  it('never reuses a sequence number when state.json is lost after the spool was delivered', async () => {
    const { r, dir, logs } = reporter();
    for (let i = 0; i < 3; i++) await r.enqueue(scanResult([finding('a:1')]));
    const drop = () => {
      for (const f of pendingReports(dir)) rmSync(join(dir, f));
    };
    drop(); // delivered: nothing left in the spool to number from
    writeFileSync(join(dir, 'state.json'), '{"schema":"ratwatch.state/1", "cyc');
    expect(await r.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'full', sequence: 4 });
    expect(logs).toEqual([expect.stringMatching(/quarantined state\.json/)]);
    drop();
    rmSync(join(dir, 'state.json')); // deleted by hand
    expect(await r.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'full', sequence: 5 });
  });

  it('two reporters on one spool (daemon and one-shot) never share a sequence number', async () => {
    const dir = join(root, `s${++n}`);
    const a = reporter({}, dir).r;
    const b = reporter({}, dir).r;
    const qs = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).enqueue(scanResult([finding(`t${i}:1`)]))));
    expect(new Set(qs.map((q) => q.sequence)).size).toBe(12);
    expect(spooled(dir).map((r) => r.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('one report per cycle carries host, sources and inventory counts', async () => {
    const { r, dir } = reporter();
    await r.enqueue(scanResult([finding('a:1')]));
    const [rep] = spooled(dir);
    expect(rep).toMatchObject({
      schema: 'ratwatch.report/2',
      kind: 'full',
      host: { hostname: 'laptop-7', os: 'linux' },
      inventory: { processes: 120, packages: 900 },
      sources: [expect.objectContaining({ name: 'linux.processes' }), expect.objectContaining({ ok: false })],
      summary: { active: 1, failedSources: 1 },
    });
    expect(rep.agentId).toBe(await r.agentId());
  });

  it('flush without an endpoint is a ConfigError', async () => {
    await expect(reporter().r.flush()).rejects.toThrow(ConfigError);
  });
});
