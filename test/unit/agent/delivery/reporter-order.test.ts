import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import { backoff, deliveryRig, T0 } from '../../../helpers/delivery-rig.ts';
import { finding, reportConfig, scanResult, type Receiver } from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

// What a real HTTPS receiver on 127.0.0.1 gets, in which order, and what the spool holds afterwards, when
// one report of several is refused, damaged, already sent by another process or not taken (issue 17).

const nextCase = deliveryRig('ratwatch-delivery-o-');
let rx: Receiver;

async function setup(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  const c = await nextCase();
  ({ rx } = c);
  const { dir, logs } = c;
  const reporter = new Reporter(
    reportConfig(dir, { ...c.flags, ...flags }),
    // random 1: the longest delay of each step, so the backoff times below are exact
    { log: (l) => logs.push(l), now: () => new Date(T0), random: () => 1, env },
  );
  const pending = () => pendingReports(dir);
  return { dir, logs, reporter, pending };
}
const sequences = () => rx.received.map((r) => (JSON.parse(r.text) as { sequence: number }).sequence);

describe('order and what is passed over', () => {
  it('stops at the first report the endpoint did not take, leaving it and every later one spooled, and backs off', async () => {
    const { dir, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')]));
    await reporter.enqueue(scanResult([finding('b:1')]));
    const before = pending();
    rx.reply = () => ({ status: 503, body: 'busy' });
    expect(await reporter.flush()).toEqual({
      sent: 0,
      rejected: 0,
      quarantined: 0,
      pending: 3,
      error: expect.stringContaining('HTTP 503'),
      retryAt: new Date(T0 + 10_000).toISOString(),
    });
    expect(sequences()).toEqual([1]); // the later ones were not tried out of order
    expect(pending()).toEqual(before);
    expect(backoff(dir)).toEqual({ failures: 1, nextAttemptAt: T0 + 10_000 });
    // the agent's clock dates the request (the signature timestamp a receiver checks for freshness)
    expect(rx.received[0].headers['x-ratwatch-timestamp']).toBe(String(T0 / 1000));

    await reporter.flush({ force: true });
    expect(backoff(dir)).toEqual({ failures: 2, nextAttemptAt: T0 + 20_000 });
  });

  it('passes over a refused, a damaged and an already sent report, and still delivers the ones after them', async () => {
    const { dir, logs, reporter, pending } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')])); // 1 full
    await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')])); // 2 delta, refused
    await reporter.enqueue(scanResult([finding('b:1')])); // 3 delta, damaged
    await reporter.enqueue(scanResult([finding('b:1'), finding('c:1')])); // 4 delta, sent by another process
    await reporter.enqueue(scanResult([finding('c:1')])); // 5 delta
    const [, refused, damaged, gone, last] = pending();
    writeFileSync(join(dir, damaged), '{"trunc');
    rx.reply = (r) => {
      if (r.n === 1) rmSync(join(dir, gone)); // the daemon sent it meanwhile
      return JSON.parse(r.text).sequence === 2 ? { status: 400, body: 'no' } : { status: 200 };
    };
    expect(await reporter.flush()).toEqual({ sent: 2, rejected: 1, quarantined: 1, pending: 0 });
    expect(sequences()).toEqual([1, 2, 5]);
    expect(readdirSync(join(dir, 'rejected'))).toEqual([refused]);
    expect(readdirSync(join(dir, 'quarantine'))).toEqual([damaged]);
    expect(existsSync(join(dir, last))).toBe(false);
    expect(logs).toEqual([
      expect.stringMatching(/^ratwatch: report 2 \(delta, [0-9a-f-]{36}\) rejected, kept in rejected\/: .*HTTP 400 no$/),
      expect.stringMatching(/^ratwatch: spool: quarantined 000000000003-delta-.*: invalid JSON/),
    ]);

    // the receiver missed changes: the next report is a full one, made from the recorded state (kept whole)
    expect(await reporter.enqueue(scanResult([finding('c:1')]))).toMatchObject({ kind: 'full', sequence: 6 });
    expect(logs).toHaveLength(2);
    expect(readdirSync(join(dir, 'quarantine'))).toEqual([damaged]);
  });

  it('a refusal when no state is recorded writes none (the next report is a full one anyway)', async () => {
    const { dir, reporter } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    rmSync(join(dir, 'state.json'));
    rx.reply = () => ({ status: 422 });
    expect(await reporter.flush()).toMatchObject({ rejected: 1, pending: 0 });
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    expect(await reporter.enqueue(scanResult([finding('a:1')]))).toMatchObject({ kind: 'full', sequence: 2 });
  });
});

describe('backoff record', () => {
  it('a backoff.json holding null or a damaged one holds nothing back, and a delivery removes it', async () => {
    const { dir, reporter } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    await reporter.enqueue(scanResult([finding('a:1')]));
    writeFileSync(join(dir, 'backoff.json'), 'null');
    expect(await reporter.retryAt()).toBeUndefined();
    rx.reply = (r) => (r.n === 1 ? { status: 200 } : { status: 503 });
    const first = await reporter.flush();
    expect(first).toMatchObject({ sent: 1, pending: 1 });
    expect(backoff(dir)).toEqual({ failures: 1, nextAttemptAt: T0 + 10_000 }); // replaced at the failure

    writeFileSync(join(dir, 'backoff.json'), '{"failures":"many"}');
    rx.reply = () => ({ status: 200 });
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(existsSync(join(dir, 'backoff.json'))).toBe(false); // removed at the success
  });
});

describe('credentials for the session', () => {
  it('the token comes from the environment the reporter was given; without it nothing is sent and delivery backs off', async () => {
    const { reporter } = await setup({ tokenEnv: 'RW_TEST_REPORT_TOKEN' }, { RW_TEST_REPORT_TOKEN: 'tok-1234567890' });
    await reporter.enqueue(scanResult([finding('a:1')]));
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.received[0].headers.authorization).toBe('Bearer tok-1234567890');
    await rx.close();

    const { dir, reporter: unset } = await setup({ tokenEnv: 'RW_TEST_REPORT_TOKEN' });
    await unset.enqueue(scanResult([finding('a:1')]));
    expect(await unset.flush()).toEqual({
      sent: 0,
      rejected: 0,
      quarantined: 0,
      pending: 1,
      error: 'endpoint.tokenEnv: variable RW_TEST_REPORT_TOKEN is not set',
      retryAt: new Date(T0 + 10_000).toISOString(),
    });
    expect(rx.received).toEqual([]);
    expect(backoff(dir)).toEqual({ failures: 1, nextAttemptAt: T0 + 10_000 });
  });
});

describe('agent id', () => {
  it('stays the same for the life of the reporter even if the file changes under it', async () => {
    const { dir, reporter } = await setup();
    const id = await reporter.agentId();
    writeFileSync(join(dir, 'agent-id'), 'laptop-9.corp\n');
    expect(await reporter.agentId()).toBe(id);
    await reporter.enqueue(scanResult([]));
    rx.reply = () => ({ status: 200 });
    await reporter.flush();
    expect(JSON.parse(rx.received[0].text).agentId).toBe(id);
    expect(rx.received[0].headers['x-ratwatch-agent-id']).toBe(id);
  });
});
