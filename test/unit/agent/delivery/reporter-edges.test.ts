import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import { backoff, deliveryRig, T0 } from '../../../helpers/delivery-rig.ts';
import { finding, reportConfig, scanResult, type Receiver } from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

// The delivery state on disk (spool, rejected/, quarantine/, backoff.json, state.json) after each answer
// of a real HTTPS receiver on 127.0.0.1 (issue 17: the reporter's decisions were reached by no unit test).

const nextCase = deliveryRig('ratwatch-delivery-m-');
let rx: Receiver;

async function setup(flags: Record<string, unknown> = {}) {
  const c = await nextCase();
  ({ rx } = c);
  const { dir, logs } = c;
  const clock = { ms: T0 };
  const reporter = new Reporter(reportConfig(dir, { ...c.flags, ...flags }), {
    log: (l) => logs.push(l),
    now: () => new Date(clock.ms),
    random: () => 0.5,
  });
  const pending = () => pendingReports(dir);
  return { dir, logs, clock, reporter, pending };
}

describe('delivery state after each answer', () => {
  it('a failing endpoint leaves the report spooled and backs off; the next flush before the time is skipped; success clears it', async () => {
    const { dir, clock, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    rx.reply = () => ({ status: 503, body: 'busy' });
    const first = await reporter.flush();
    expect(first).toMatchObject({ sent: 0, pending: 1 });
    expect(first.error).toContain('HTTP 503');
    const b = backoff(dir);
    expect(b.failures).toBe(1);
    expect(b.nextAttemptAt).toBeGreaterThan(T0);
    expect(first.retryAt).toBe(new Date(b.nextAttemptAt).toISOString());
    expect((await reporter.retryAt())!.getTime()).toBe(b.nextAttemptAt);

    const skipped = await reporter.flush();
    expect(skipped).toEqual({
      sent: 0,
      rejected: 0,
      quarantined: 0,
      pending: 1,
      skipped: 'backoff',
      retryAt: new Date(b.nextAttemptAt).toISOString(),
    });
    expect(rx.received).toHaveLength(1);

    clock.ms = b.nextAttemptAt; // the retry time has come
    const second = await reporter.flush();
    expect(second.error).toContain('HTTP 503');
    expect(backoff(dir).failures).toBe(2);

    rx.reply = () => ({ status: 200 });
    expect(await reporter.flush({ force: true })).toEqual({ sent: 1, rejected: 0, quarantined: 0, pending: 0 });
    expect(existsSync(join(dir, 'backoff.json'))).toBe(false);
    expect(pending()).toEqual([]);
    expect(await reporter.retryAt()).toBeUndefined();
  });

  it('a refused heartbeat goes to rejected/ without forcing a full report; a refused delta forces one', async () => {
    const { dir, logs, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')])); // full
    await reporter.enqueue(scanResult([finding('a:1')])); // heartbeat
    rx.reply = (r) => (r.n === 2 ? { status: 400, body: 'no' } : { status: 200 });
    expect(await reporter.flush()).toEqual({ sent: 1, rejected: 1, quarantined: 0, pending: 0 });
    expect(readdirSync(join(dir, 'rejected'))).toEqual([expect.stringMatching(/^000000000002-heartbeat-/)]);
    expect(logs).toEqual([
      expect.stringMatching(/^ratwatch: report 2 \(heartbeat, [0-9a-f-]{36}\) rejected, kept in rejected\/: .*HTTP 400 no$/),
    ]);
    expect(await reporter.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'heartbeat', sequence: 3 });

    await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')])); // delta 4
    rx.reply = (r) => (r.n === 3 ? { status: 200 } : { status: 422 });
    expect(await reporter.flush()).toMatchObject({ sent: 1, rejected: 1 });
    expect(await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')]))).toMatchObject({ kind: 'full', sequence: 5 });
    expect(pending()).toEqual([expect.stringMatching(/^000000000005-full-/)]);
    expect(await reporter.counts()).toEqual({ pending: 1, rejected: 2 });
    expect(await reporter.requeueRejected()).toBe(2);
    expect(await reporter.counts()).toEqual({ pending: 3, rejected: 0 });
  });

  it('a damaged spooled report is quarantined, delivery goes on, and a full report follows', async () => {
    const { dir, logs, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')]));
    const [, delta] = pending();
    writeFileSync(join(dir, delta), '{"trunc');
    rx.reply = () => ({ status: 200 });
    expect(await reporter.flush()).toEqual({ sent: 1, rejected: 0, quarantined: 1, pending: 0 });
    expect(readdirSync(join(dir, 'quarantine'))).toEqual([delta]);
    expect(logs).toEqual([
      expect.stringMatching(new RegExp(`^ratwatch: spool: quarantined ${delta.replace(/\./g, '\\.')}: invalid JSON \\(`)),
    ]);
    expect(await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')]))).toMatchObject({ kind: 'full' });
  });

  it('a damaged heartbeat is quarantined without forcing a full report; an empty spool clears a stale backoff', async () => {
    const { dir, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    await reporter.enqueue(scanResult([finding('a:1')]));
    rx.reply = () => ({ status: 200 });
    const [full, hb] = pending();
    writeFileSync(join(dir, hb), '[]');
    expect(await reporter.flush()).toMatchObject({ sent: 1, quarantined: 1 });
    expect(readdirSync(join(dir, 'quarantine'))).toEqual([hb]);
    expect(existsSync(join(dir, full))).toBe(false);
    expect(await reporter.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'heartbeat' });
    rmSync(join(dir, pending()[0]));
    writeFileSync(join(dir, 'backoff.json'), JSON.stringify({ failures: 3, nextAttemptAt: T0 + 50_000 }));
    expect(await reporter.flush()).toEqual({ sent: 0, rejected: 0, quarantined: 0, pending: 0 });
    expect(existsSync(join(dir, 'backoff.json'))).toBe(false);
  });

  it('a backoff time further off than the longest delay (the clock went back) is not waited for; a damaged one is ignored', async () => {
    const { dir, reporter } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    writeFileSync(join(dir, 'backoff.json'), JSON.stringify({ failures: 2, nextAttemptAt: T0 + 100_001 }));
    expect((await reporter.retryAt())!.getTime()).toBe(T0);
    writeFileSync(join(dir, 'backoff.json'), JSON.stringify({ failures: 2, nextAttemptAt: T0 + 100_000 }));
    expect((await reporter.retryAt())!.getTime()).toBe(T0 + 100_000);
    expect(await reporter.flush()).toMatchObject({ skipped: 'backoff', pending: 1 });
    for (const bad of ['{"failures":1.5,"nextAttemptAt":1}', '{"failures":1,"nextAttemptAt":"x"}', 'nope']) {
      writeFileSync(join(dir, 'backoff.json'), bad);
      expect(await reporter.retryAt(), bad).toBeUndefined();
    }
    rx.reply = () => ({ status: 200 });
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 }); // a damaged backoff holds nothing back
  });

  it('a report another process already sent is skipped', async () => {
    const { dir, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')]));
    const [first] = pending();
    rx.reply = (r) => {
      if (r.n === 1) rmSync(join(dir, pending()[1])); // the daemon sent the second meanwhile
      return { status: 200 };
    };
    expect(await reporter.flush()).toEqual({ sent: 1, rejected: 0, quarantined: 0, pending: 0 });
    expect(rx.received).toHaveLength(1);
    expect(JSON.parse(rx.received[0].text).sequence).toBe(1);
    expect(first).toMatch(/^000000000001-/);
  });
});

describe('agent id and numbering', () => {
  it('a damaged agent-id file is replaced, and says so', async () => {
    const { dir, logs, reporter } = await setup();
    await reporter.agentId(); // opens the spool
    writeFileSync(join(dir, 'agent-id'), 'not valid!\n');
    const fresh = new Reporter(reportConfig(dir, {}), { log: (l) => logs.push(l) });
    const id = await fresh.agentId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs).toEqual([`ratwatch: spool: ${join(dir, 'agent-id')} is not a valid agent id; generating a new one`]);
    expect(readFileSync(join(dir, 'agent-id'), 'utf8')).toBe(`${id}\n`);
    expect(await fresh.agentId()).toBe(id);
  });

  it('numbering continues from the sequence file when state and spool are gone, and ignores a damaged one', async () => {
    const { dir, reporter } = await setup();
    await reporter.enqueue(scanResult([]));
    expect(readFileSync(join(dir, 'sequence'), 'utf8')).toBe('1\n');
    for (const f of pendingReports(dir)) rmSync(join(dir, f));
    rmSync(join(dir, 'state.json'));
    writeFileSync(join(dir, 'sequence'), '41\n');
    expect(await reporter.enqueue(scanResult([]))).toMatchObject({ sequence: 42, kind: 'full' });
    for (const bad of ['-5', '1.5', '"7"']) {
      for (const f of pendingReports(dir)) rmSync(join(dir, f));
      writeFileSync(
        join(dir, 'state.json'),
        JSON.stringify({ schema: 'ratwatch.state/1', cycle: 1, sequence: 2, lastFullCycle: 1, forceFull: false, findings: {} }),
      );
      writeFileSync(join(dir, 'sequence'), bad);
      expect((await reporter.enqueue(scanResult([]))).sequence, bad).toBe(3);
    }
  });

  it('a state.json of the wrong shape is quarantined with the reason', async () => {
    const { dir, logs, reporter } = await setup();
    await reporter.enqueue(scanResult([]));
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ schema: 'ratwatch.state/1', cycle: -1 }));
    expect(await reporter.enqueue(scanResult([]))).toMatchObject({ kind: 'full', sequence: 2 });
    expect(logs).toEqual([
      'ratwatch: spool: quarantined state.json: cycle is not a non-negative integer; starting over with a full report',
    ]);
  });
});
