import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Reporter, type FlushResult } from '../../../../agent/delivery/reporter.ts';
import { startHec, type HecOptions, type HecReceiver } from '../../../helpers/hec-receiver.ts';
import { finding, makeCerts, reportConfig, scanResult, type Certs } from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

// The splunk-hec delivery against a local HEC stand-in (hec-receiver.ts) over TLS on 127.0.0.1: tokens
// with and without indexer acknowledgment, acks that come late or never, and HEC's refusals.

const TOKEN = '4b1f8c3e-hec-token-never-logged';
const root = mkdtempSync(join(tmpdir(), 'ratwatch-hec-'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let certs: Certs;
let tokenFile: string;
let n = 0;
const servers: HecReceiver[] = [];
const logs: string[] = [];

beforeAll(() => {
  certs = makeCerts(root);
  tokenFile = join(root, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  for (const l of logs) expect(l).not.toContain(TOKEN);
  logs.length = 0;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function hec(opts: Partial<HecOptions> & { ack: boolean }): Promise<HecReceiver> {
  const rx = await startHec(certs, { token: TOKEN, ...opts });
  servers.push(rx);
  return rx;
}

function setup(rx: HecReceiver, flags: Record<string, unknown> = {}, clock?: { t: number }) {
  const spoolDir = join(root, `spool-${++n}`);
  const config = reportConfig(spoolDir, {
    endpointUrl: rx.url,
    endpointFormat: 'splunk-hec',
    caFile: certs.caFile,
    tokenFile,
    hecAckWaitMs: '2000',
    ...flags,
  });
  const deps = { log: (l: string) => logs.push(l), ...(clock ? { now: () => new Date(clock.t) } : {}) };
  return { spoolDir, config, reporter: new Reporter(config, deps), again: () => new Reporter(config, deps) };
}

const scans = [scanResult([finding('anydesk:1'), finding('rustdesk:1')]), scanResult([finding('anydesk:1')])];
const ids = (rx: HecReceiver) => rx.indexed.map((e) => e.fields?.ratwatch_event_id as string);

describe('Splunk HEC without indexer acknowledgment', () => {
  it('sends a channel anyway, the configured index and indexed fields, and an id per event', async () => {
    const rx = await hec({ ack: false, indexes: ['main', 'endpoint_sec'] });
    const { reporter, spoolDir } = setup(rx, { index: 'endpoint_sec', fields: 'env=prod,team=secops' });
    const q = await reporter.enqueue(scans[0]);
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0, rejected: 0 });
    expect(rx.requests.map((r) => [r.path, r.status])).toEqual([['/services/collector/event', 200]]);
    expect(rx.requests[0].channel).toMatch(UUID);
    expect(readFileSync(join(spoolDir, 'hec-channel'), 'utf8').trim()).toBe(rx.requests[0].channel);
    expect(rx.indexed.map((e) => e.sourcetype)).toEqual(['ratwatch:report', 'ratwatch:finding', 'ratwatch:finding']);
    for (const e of rx.indexed) {
      expect(e.index).toBe('endpoint_sec');
      expect(e.fields).toMatchObject({ env: 'prod', team: 'secops' });
    }
    expect(ids(rx)).toEqual([0, 1, 2].map((i) => `${q.reportId}:${i}`));
    expect(pendingReports(spoolDir)).toEqual([]);
  });

  it('an index the token may not write to is refused (code 7) and kept in rejected/', async () => {
    const rx = await hec({ ack: false, indexes: ['main'] });
    const { reporter, spoolDir } = setup(rx, { index: 'nope' });
    await reporter.enqueue(scans[0]);
    expect(await reporter.flush()).toMatchObject({ sent: 0, rejected: 1, pending: 0 });
    expect(logs.join('\n')).toMatch(
      /rejected, kept in rejected\/: POST https:\/\/127\.0\.0\.1:\d+\/services\/collector\/event: HTTP 400 \{"text":"Incorrect index","code":7,"invalid-event-number":0\}/,
    );
    expect(readdirSync(join(spoolDir, 'rejected'))).toHaveLength(1);
  });
});

describe('Splunk HEC with indexer acknowledgment', () => {
  it('counts a report delivered once the ack endpoint says it is indexed, on the same channel', async () => {
    const rx = await hec({ ack: true, ackAfterQueries: 2 });
    const { reporter, spoolDir, again } = setup(rx);
    await reporter.enqueue(scans[0]);
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.requests.map((r) => [r.path, r.status])).toEqual([
      ['/services/collector/event', 200],
      ['/services/collector/ack', 200],
      ['/services/collector/ack', 200],
    ]);
    expect(rx.requests[0].answer).toEqual({ text: 'Success', code: 0, ackId: 0 });
    expect(rx.requests.at(-1)!.answer).toEqual({ acks: { 0: true } });
    const channel = rx.requests[0].channel;
    expect(new Set(rx.requests.map((r) => r.channel))).toEqual(new Set([channel]));
    expect(pendingReports(spoolDir)).toEqual([]);
    expect(JSON.parse(readFileSync(join(spoolDir, 'hec-state.json'), 'utf8'))).toMatchObject({ pending: {}, indexed: {} });

    // a new process (a restart) keeps the agent's channel
    const second = again();
    await second.enqueue(scans[1]);
    expect(await second.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.requests.at(-1)!.channel).toBe(channel);
    expect(rx.requests.filter((r) => r.path.endsWith('/event')).map((r) => r.answer.ackId)).toEqual([0, 1]);
  });

  it('keeps a report whose ack is late, asks again later, and never sends it twice', async () => {
    const rx = await hec({ ack: true, ackAfterQueries: 4 });
    const { reporter, spoolDir } = setup(rx, { hecAckWaitMs: '0' });
    const q = await reporter.enqueue(scans[0]);
    const first = await reporter.flush();
    expect(first).toMatchObject({ sent: 0, pending: 1 });
    expect(first.error).toMatch(/accepted, not yet acknowledged by the indexer \(ackId 0, sent \d+ s ago\); kept in the spool$/);
    expect(pendingReports(spoolDir)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(spoolDir, 'hec-state.json'), 'utf8')).pending[q.reportId]).toMatchObject({ ackId: 0 });
    const results: FlushResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await reporter.flush({ force: true }));
    expect(results.map((r) => [r.sent, r.pending])).toEqual([
      [0, 1],
      [0, 1],
      [1, 0],
    ]);
    expect(rx.requests.filter((r) => r.path.endsWith('/event'))).toHaveLength(1);
    expect(rx.ackQueries).toBe(4);
    expect(ids(rx)).toEqual([0, 1, 2].map((i) => `${q.reportId}:${i}`));
    expect(pendingReports(spoolDir)).toEqual([]);
  });

  it('sends again, with the same event ids, when the ack never comes within hecAckTimeoutSeconds', async () => {
    const rx = await hec({ ack: true, ackAfterQueries: 'never' });
    const clock = { t: Date.parse('2026-12-01T10:00:00Z') };
    const { reporter, spoolDir } = setup(rx, { hecAckWaitMs: '0', hecAckTimeoutSeconds: '60' }, clock);
    const q = await reporter.enqueue(scans[1]);
    expect(await reporter.flush()).toMatchObject({ sent: 0, pending: 1 });
    clock.t += 30_000;
    expect(await reporter.flush({ force: true })).toMatchObject({ sent: 0, pending: 1 });
    expect(rx.requests.filter((r) => r.path.endsWith('/event'))).toHaveLength(1);
    clock.t += 31_000;
    const third = await reporter.flush({ force: true });
    expect(third).toMatchObject({ sent: 0, pending: 1 });
    expect(logs.join('\n')).toMatch(/no acknowledgment of ackId 0 after 61 s; sending it again/);
    const events = rx.requests.filter((r) => r.path.endsWith('/event'));
    expect(events.map((r) => r.answer.ackId)).toEqual([0, 1]);
    // both copies reached the index; ratwatch_event_id is what a search dedups them by
    expect(ids(rx)).toEqual([...[0, 1].map((i) => `${q.reportId}:${i}`), ...[0, 1].map((i) => `${q.reportId}:${i}`)]);
    expect(pendingReports(spoolDir)).toHaveLength(1);
    expect(rx.ackQueries).toBe(4); // one per flush, and one after the resend
  });

  it('a token whose acknowledgment is switched off meanwhile (code 14): the earlier 200 counts', async () => {
    const rx = await hec({ ack: true, ackAfterQueries: 'never' });
    const { reporter, spoolDir } = setup(rx, { hecAckWaitMs: '0' });
    await reporter.enqueue(scans[1]);
    expect(await reporter.flush()).toMatchObject({ sent: 0, pending: 1 });
    rx.opts.ack = false;
    expect(await reporter.flush({ force: true })).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.requests.at(-1)).toMatchObject({
      path: '/services/collector/ack',
      status: 400,
      answer: { text: 'ACK is disabled', code: 14 },
    });
    expect(logs.join('\n')).toMatch(/acknowledgment is now disabled for this token; counted as delivered/);
    expect(rx.requests.filter((r) => r.path.endsWith('/event'))).toHaveLength(1);
    expect(pendingReports(spoolDir)).toEqual([]);
  });

  it("data channel missing (code 10, a proxy dropping the header) is a refusal with HEC's reason", async () => {
    const rx = await hec({ ack: true, stripChannel: true });
    const { reporter, spoolDir } = setup(rx);
    await reporter.enqueue(scans[1]);
    expect(await reporter.flush()).toMatchObject({ sent: 0, rejected: 1, pending: 0 });
    expect(logs.join('\n')).toMatch(/HTTP 400 \{"text":"Data channel is missing","code":10\}/);
    expect(readdirSync(join(spoolDir, 'rejected'))).toHaveLength(1);
    expect(rx.indexed).toEqual([]);
  });

  it('an invalid channel (code 11) is replaced and the report goes out on the new one', async () => {
    const rx = await hec({ ack: true });
    const { reporter, spoolDir } = setup(rx);
    const bad = '00000000-0000-4000-8000-000000000000';
    await reporter.enqueue(scans[1]);
    writeFileSync(join(spoolDir, 'hec-channel'), `${bad}\n`); // e.g. restored from another machine's backup
    rx.opts.badChannels = new Set([bad]);
    const first = await reporter.flush();
    expect(first).toMatchObject({ sent: 0, pending: 1 });
    expect(first.error).toMatch(
      /"Invalid data channel","code":11.*HEC refused channel 0{8}-0000-4000-8000-0{12}, a new one is used from now on$/,
    );
    expect(await reporter.flush({ force: true })).toMatchObject({ sent: 1, pending: 0 });
    const fresh = readFileSync(join(spoolDir, 'hec-channel'), 'utf8').trim();
    expect(fresh).toMatch(UUID);
    expect(fresh).not.toBe(bad);
    expect(rx.requests.at(-1)!.channel).toBe(fresh);
  });

  it('a hec-state.json planted as a link (claiming every event indexed) is set aside: the report is sent in full', async () => {
    const rx = await hec({ ack: true });
    const { reporter, spoolDir } = setup(rx);
    const q = await reporter.enqueue(scans[0]);
    const forged = join(root, `forged-hec-${n}.json`);
    writeFileSync(forged, JSON.stringify({ schema: 'ratwatch.hec/1', pending: {}, indexed: { [q.reportId]: { count: 99, at: 0 } } }));
    symlinkSync(forged, join(spoolDir, 'hec-state.json'));
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0 });
    expect(ids(rx)).toEqual([0, 1, 2].map((i) => `${q.reportId}:${i}`));
    expect(lstatSync(join(spoolDir, 'quarantine', 'hec-state.json')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(spoolDir, 'hec-state.json')).isFile()).toBe(true);
    expect(logs).toContain('ratwatch: spool: quarantined hec-state.json: is a symbolic link (not followed)');
  });

  it('server busy (503, code 9) keeps the report for the next try', async () => {
    const rx = await hec({ ack: true, busy: 1 });
    const { reporter } = setup(rx);
    await reporter.enqueue(scans[1]);
    const first = await reporter.flush();
    expect(first).toMatchObject({ sent: 0, pending: 1 });
    expect(first.error).toMatch(/HTTP 503 \{"text":"Server is busy","code":9\}/);
    expect(await reporter.flush({ force: true })).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.indexed).toHaveLength(2);
  });

  it('a batch refused part-way (code 6) is not indexed twice when requeued: the resend starts after the indexed events', async () => {
    const rx = await hec({ ack: true, badEvent: (e) => e.event?.finding?.id === 'rustdesk:1' });
    const { reporter, spoolDir } = setup(rx);
    const q = await reporter.enqueue(scans[0]);
    expect(await reporter.flush()).toMatchObject({ sent: 0, rejected: 1 });
    expect(rx.requests[0].answer).toEqual({ text: 'Invalid data format', code: 6, 'invalid-event-number': 2 });
    expect(ids(rx)).toEqual([`${q.reportId}:0`, `${q.reportId}:1`]);
    expect(JSON.parse(readFileSync(join(spoolDir, 'hec-state.json'), 'utf8')).indexed[q.reportId]).toMatchObject({ count: 2 });

    rx.opts.badEvent = undefined; // e.g. a fixed agent, or a fixed index setting on the token
    expect(await reporter.requeueRejected()).toBe(1);
    expect(await reporter.flush()).toMatchObject({ sent: 1, pending: 0, rejected: 0 });
    expect(ids(rx)).toEqual([0, 1, 2].map((i) => `${q.reportId}:${i}`));
    expect(existsSync(join(spoolDir, 'hec-state.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(spoolDir, 'hec-state.json'), 'utf8'))).toMatchObject({ pending: {}, indexed: {} });
  });
});
