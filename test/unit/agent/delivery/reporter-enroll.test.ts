import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../../agent/delivery/reporter.ts';
import { backoff, deliveryRig, T0 } from '../../../helpers/delivery-rig.ts';
import { finding, reportConfig, scanResult, type Receiver } from '../../../helpers/report-helpers.ts';

// An agent given endpoint.enrollSecretFile and no key enrolls with the server before its first report
// (PROTOCOL.md, "Enrollment"): what a real HTTPS receiver on 127.0.0.1 gets at /enroll and at the report
// URL, what is kept on disk, and how a refused enrollment or an unusable secret holds delivery back.

const nextCase = deliveryRig('ratwatch-delivery-e-');
let rx: Receiver;
const SECRET = 'fleet-secret-0123456789';
const KEY = 'agent-key-abcdefghijklmnop';

async function setup(secret = SECRET) {
  const c = await nextCase();
  ({ rx } = c);
  const { dir, logs } = c;
  const secretFile = `${dir}.secret`; // beside the spool, not in it
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const hooks = { now: () => {} };
  const reporter = new Reporter(reportConfig(dir, { ...c.flags, enrollSecretFile: secretFile }), {
    log: (l) => logs.push(l),
    now: () => {
      hooks.now();
      return new Date(T0);
    },
    random: () => 1,
  });
  return { dir, secretFile, logs, reporter, hooks, keyFile: join(dir, 'agent-key') };
}

describe('enrollment before the first delivery', () => {
  it('trades the secret for a key once, keeps the key private, and sends reports with it', async () => {
    const { logs, reporter, keyFile } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    const id = await reporter.agentId();
    rx.reply = (r) => (r.path === '/enroll' ? { status: 200, body: JSON.stringify({ key: KEY }) } : { status: 200 });
    expect(await reporter.flush()).toEqual({ sent: 1, rejected: 0, quarantined: 0, pending: 0 });
    expect(rx.received.map((r) => r.path)).toEqual(['/enroll', '/ingest']);
    expect(JSON.parse(rx.received[0].text)).toMatchObject({ enrollSecret: SECRET, agentId: id });
    expect(rx.received[1].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(readFileSync(keyFile, 'utf8')).toBe(`${KEY}\n`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(logs).toEqual([`ratwatch: enrolled as ${id}; key kept in ${keyFile}`]);

    await reporter.enqueue(scanResult([finding('a:1'), finding('b:1')]));
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.received.map((r) => r.path)).toEqual(['/enroll', '/ingest', '/ingest']); // not enrolled twice
  });

  it('a refused enrollment sends no report, says why in one line and backs off', async () => {
    const { dir, logs, reporter, keyFile } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    rx.reply = () => ({ status: 403, body: JSON.stringify({ error: 'unknown enrollment secret' }) });
    expect(await reporter.flush()).toEqual({
      sent: 0,
      rejected: 0,
      quarantined: 0,
      pending: 1,
      error: 'not enrolled yet: enrollment refused: HTTP 403 unknown enrollment secret',
      retryAt: new Date(T0 + 10_000).toISOString(),
    });
    expect(rx.received.map((r) => r.path)).toEqual(['/enroll']);
    expect(existsSync(keyFile)).toBe(false);
    expect(backoff(dir)).toEqual({ failures: 1, nextAttemptAt: T0 + 10_000 });
    expect(logs).toEqual([]);
  });

  it('a secret file that holds no usable secret stops delivery before anything is sent', async () => {
    const { dir, secretFile, reporter } = await setup('short');
    await reporter.enqueue(scanResult([finding('a:1')]));
    expect(await reporter.flush()).toEqual({
      sent: 0,
      rejected: 0,
      quarantined: 0,
      pending: 1,
      error: `endpoint.enrollSecretFile ${secretFile}: the enrollment secret must be 8-512 printable characters`,
      retryAt: new Date(T0 + 10_000).toISOString(),
    });
    expect(rx.received).toEqual([]);
    expect(backoff(dir)).toEqual({ failures: 1, nextAttemptAt: T0 + 10_000 });
  });

  it('does not enroll again when another ratwatch process enrolled while this one waited for the spool', async () => {
    const { dir, logs, reporter, hooks, keyFile } = await setup();
    await reporter.enqueue(scanResult([finding('a:1')]));
    // a past backoff makes flush read the clock once the spool is listed and released, right before it
    // looks for the key: that is where the other process takes the spool lock and enrolls
    writeFileSync(join(dir, 'backoff.json'), JSON.stringify({ failures: 1, nextAttemptAt: T0 - 1000 }));
    const lock = join(dir, 'lock');
    let other = false;
    hooks.now = () => {
      if (other || existsSync(lock)) return; // this reporter holds the spool: not between its steps
      other = true;
      writeFileSync(lock, String(process.ppid), { flag: 'wx' }); // a live process holds the lock
      setImmediate(() => {
        writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 }); // it enrolled, then let go of the lock
        rmSync(lock);
      });
    };
    rx.reply = () => ({ status: 200 });
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(other).toBe(true);
    expect(rx.received.map((r) => [r.path, r.headers.authorization])).toEqual([['/ingest', `Bearer ${KEY}`]]);
    expect(logs).toEqual([]);
  });
});
