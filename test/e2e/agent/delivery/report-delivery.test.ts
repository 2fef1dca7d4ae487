import dc from 'node:diagnostics_channel';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../agent/config/errors.ts';
import type { Config } from '../../../../agent/config/types.ts';
import { Reporter, type FlushResult } from '../../../../agent/delivery/reporter.ts';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { freePort } from '../../../helpers/procs.ts';
import {
  finding,
  makeCerts,
  reportConfig,
  scanResult,
  splitConcatenatedJson,
  startReceiver,
  type Certs,
  type Receiver,
} from '../../../helpers/report-helpers.ts';
import { pendingReports } from '../../../helpers/spool.ts';

// Reporting against a real HTTPS receiver on 127.0.0.1 (self-signed CA made by openssl for this run).
// Policy decided here and relied on by the receiver: any 2xx is delivered, whatever the body says.

const TOKEN = 'tok-Zq8-never-log-me-4f1c9e';
const HMAC_KEY = Buffer.from('hmac-key-for-tests-0123456789abcdef');
const root = mkdtempSync(join(tmpdir(), 'ratwatch-report-e2e-'));
let certs: Certs;
let tokenFile: string;
let keyFile: string;
let n = 0;
const receivers: Receiver[] = [];
const logs: string[] = [];
const results: FlushResult[] = [];

beforeAll(() => {
  certs = makeCerts(root);
  tokenFile = join(root, 'token');
  keyFile = join(root, 'hmac.key');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(keyFile, HMAC_KEY, { mode: 0o600 });
});

afterEach(async () => {
  while (receivers.length) await receivers.pop()!.close();
  // The token must never surface: not in any log line, not in any delivery error.
  for (const line of [...logs, ...results.map((r) => r.error ?? '')]) expect(line).not.toContain(TOKEN);
  logs.length = 0;
  results.length = 0;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function receiver(port?: number): Promise<Receiver> {
  const rx = await startReceiver(certs, { hmacKey: HMAC_KEY, port });
  receivers.push(rx);
  return rx;
}

function setup(url: string, flags: Record<string, unknown> = {}): { config: Config; reporter: Reporter; spoolDir: string } {
  const spoolDir = join(root, `spool-${++n}`);
  const config = reportConfig(spoolDir, { endpointUrl: url, caFile: certs.caFile, tokenFile, hmacKeyFile: keyFile, ...flags });
  return { config, spoolDir, reporter: new Reporter(config, { log: (l) => logs.push(l) }) };
}

async function flush(r: Reporter, opts: { force?: boolean } = {}): Promise<FlushResult> {
  const res = await r.flush(opts);
  results.push(res);
  return res;
}

/** Flushes until nothing waits, honouring the backoff; bounded. */
async function drain(r: Reporter, maxMs = 15_000): Promise<FlushResult> {
  const end = Date.now() + maxMs;
  for (;;) {
    const res = await flush(r);
    if (res.pending === 0) return res;
    if (Date.now() > end) throw new Error(`still ${res.pending} pending after ${maxMs} ms: ${res.error}`);
    const wait = res.retryAt ? Math.max(10, Date.parse(res.retryAt) - Date.now() + 10) : 20;
    await new Promise((ok) => setTimeout(ok, Math.min(wait, 500)));
  }
}

const native = (rx: Receiver) => rx.received.map((r) => JSON.parse(r.text) as NativeReport);
const scans = [
  scanResult([finding('anydesk:1')]),
  scanResult([finding('anydesk:1'), finding('rustdesk:1')]),
  scanResult([finding('anydesk:1'), finding('rustdesk:1')]),
  scanResult([finding('rustdesk:1')]),
  scanResult([finding('rustdesk:1'), finding('ngrok:1')]),
  scanResult([]),
];

describe('delivery over HTTPS', () => {
  it('keeps reports while the endpoint is down and delivers each exactly once, in order, when it returns', async () => {
    const port = await freePort();
    const { reporter, spoolDir } = setup(`https://127.0.0.1:${port}/ingest`);
    for (const s of scans.slice(0, 3)) {
      await reporter.enqueue(s);
      const res = await flush(reporter, { force: true });
      expect(res.sent).toBe(0);
      expect(res.error).toMatch(/ECONNREFUSED/);
    }
    expect(pendingReports(spoolDir)).toHaveLength(3);

    const rx = await receiver(port);
    // The first request is read and then cut off unanswered: the agent cannot know it arrived and sends it again.
    rx.reply = (r) => (r.n === 1 ? 'drop' : { status: 202, body: '{"accepted":true}' });
    for (const s of scans.slice(3)) {
      await reporter.enqueue(s);
      await drain(reporter);
    }

    const got = native(rx);
    const seen = new Map<string, NativeReport>();
    for (const r of got) if (!seen.has(r.reportId)) seen.set(r.reportId, r);
    expect(got.length).toBeGreaterThan(seen.size); // the cut-off one came twice
    expect([...seen.values()].map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...seen.values()].map((r) => r.kind)).toEqual(['full', 'delta', 'heartbeat', 'delta', 'delta', 'delta']);
    const byId = [...seen.values()];
    expect(byId[3].resolved.map((x) => x.id)).toEqual(['anydesk:1']);
    expect(byId[5].resolved.map((x) => x.id).sort()).toEqual(['ngrok:1', 'rustdesk:1']);
    for (const r of rx.received) {
      expect(r.signatureOk).toBe(true);
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['x-ratwatch-report-id']).toBe(JSON.parse(r.text).reportId);
    }
    expect(existsSync(join(spoolDir, 'backoff.json'))).toBe(false);
  });

  it('honours Retry-After on 503 (seconds) and 429 (HTTP date), capped by retryMaxSeconds', async () => {
    const rx = await receiver();
    const { reporter } = setup(rx.url, { retryMaxSeconds: '2' });
    rx.reply = (r) => {
      if (r.n === 1) return { status: 503, headers: { 'retry-after': '1' }, body: 'busy' };
      if (r.n === 2) return { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } };
      if (r.n === 3) return { status: 503, headers: { 'retry-after': '86400' } };
      return { status: 200 };
    };
    await reporter.enqueue(scans[0]);
    let t = Date.now();
    let res = await flush(reporter);
    // the 503 arrived somewhere between t and now; a busy machine may take a while to get there
    const answered = Date.now();
    expect(res.error).toMatch(/HTTP 503 busy$/);
    const retryAt = Date.parse(res.retryAt!);
    expect(retryAt - t).toBeGreaterThanOrEqual(900);
    expect(retryAt - answered).toBeLessThanOrEqual(1300);
    expect(await flush(reporter)).toMatchObject({ skipped: 'backoff', sent: 0, pending: 1 });
    expect(rx.received).toHaveLength(1);

    await new Promise((ok) => setTimeout(ok, Date.parse(res.retryAt!) - Date.now() + 20));
    t = Date.now();
    res = await flush(reporter);
    expect(res.error).toMatch(/HTTP 429/);
    const wait2 = Date.parse(res.retryAt!) - t;
    expect(wait2).toBeGreaterThanOrEqual(500); // an HTTP-date has whole seconds
    expect(wait2).toBeLessThanOrEqual(2100);

    res = await flush(reporter, { force: true });
    expect(res.error).toMatch(/HTTP 503/);
    expect(Date.parse(res.retryAt!) - Date.now()).toBeLessThanOrEqual(2000); // a day asked, the cap given

    res = await flush(reporter, { force: true });
    expect(res).toMatchObject({ sent: 1, pending: 0 });
    expect(new Set(native(rx).map((r) => r.reportId)).size).toBe(1);
    expect(await reporter.retryAt()).toBeUndefined(); // a delivery ends the backoff
  });

  it('gives up on a server that never answers after timeoutMs and keeps the report', async () => {
    const rx = await receiver();
    rx.reply = () => 'hang';
    const { reporter, spoolDir } = setup(rx.url, { timeoutMs: '800' });
    await reporter.enqueue(scans[0]);
    const t = Date.now();
    const res = await flush(reporter);
    const took = Date.now() - t;
    expect(res.error).toBe(`POST ${new URL(rx.url).origin}/ingest: timed out after 800 ms`);
    expect(res.pending).toBe(1);
    expect(took).toBeGreaterThanOrEqual(750);
    expect(took).toBeLessThan(5000);
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json') && /^\d/.test(f))).toHaveLength(1);
    expect(rx.received).toHaveLength(1); // it did arrive; the receiver will drop the resend by reportId
  });

  it('gives up on a TLS handshake that never completes after connectTimeoutMs', async () => {
    const silent = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { reporter } = setup(`https://127.0.0.1:${port}/`, { connectTimeoutMs: '400', timeoutMs: '5000' });
      await reporter.enqueue(scans[0]);
      const t = Date.now();
      const res = await flush(reporter);
      expect(res.error).toMatch(/connect timed out after 400 ms/);
      expect(Date.now() - t).toBeLessThan(3000);
      expect(res.pending).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => silent.close(ok));
    }
  });

  it('counts a 2xx with a garbage body as delivered', async () => {
    const rx = await receiver();
    rx.reply = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '\u0000\u00ff<html>not json at all' });
    const { reporter } = setup(rx.url);
    await reporter.enqueue(scans[0]);
    expect(await flush(reporter)).toMatchObject({ sent: 1, pending: 0 });
  });

  it('treats an oversized response as a failed attempt (maxContentLength)', async () => {
    const rx = await receiver();
    rx.reply = (r) => (r.n === 1 ? { status: 200, body: 'x'.repeat(300_000) } : { status: 200 });
    const { reporter } = setup(rx.url, { maxResponseBytes: '1024' });
    await reporter.enqueue(scans[0]);
    expect((await flush(reporter)).error).toMatch(/response larger than 1024 bytes/);
    expect(await flush(reporter, { force: true })).toMatchObject({ sent: 1, pending: 0 });
  });

  it('moves a report refused with 400 to rejected/, logs why, goes on, and sends full state next', async () => {
    const rx = await receiver();
    // The server echoes the Authorization header it got, as some broken proxies do.
    rx.reply = (r) => (r.n === 2 ? { status: 400, body: `bad field; got ${r.headers.authorization}` } : { status: 200 });
    const { reporter, spoolDir } = setup(rx.url);
    await reporter.enqueue(scans[0]);
    await reporter.enqueue(scans[1]);
    await reporter.enqueue(scans[2]);
    const res = await flush(reporter);
    expect(res).toMatchObject({ sent: 2, rejected: 1, pending: 0 });
    const rejected = readdirSync(join(spoolDir, 'rejected'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^000000000002-delta-/);
    const line = logs.find((l) => l.includes('rejected'))!;
    expect(line).toMatch(
      /^ratwatch: report 2 \(delta, [0-9a-f-]{36}\) rejected, kept in rejected\/: POST https:\/\/127\.0\.0\.1:\d+\/ingest: HTTP 400 bad field; got Bearer \[redacted\]$/,
    );
    await reporter.enqueue(scans[2]);
    await flush(reporter);
    // received: full, the refused delta, heartbeat, then full because the delta never counted
    expect(native(rx).map((r) => r.kind)).toEqual(['full', 'delta', 'heartbeat', 'full']);
    // once the server is fixed, an operator can requeue
    expect(await reporter.requeueRejected()).toBe(1);
    expect(await flush(reporter)).toMatchObject({ sent: 1, pending: 0 });
    expect(native(rx).at(-1)!.sequence).toBe(2);
  });

  it('forgets the backoff once nothing waits, so a retry timer cannot spin on an empty spool', async () => {
    const rx = await receiver();
    rx.reply = (r) => (r.n === 1 ? { status: 503 } : { status: 422, body: 'unprocessable' });
    const { reporter } = setup(rx.url);
    await reporter.enqueue(scans[0]);
    expect((await flush(reporter)).error).toMatch(/HTTP 503/);
    expect(await reporter.retryAt()).toBeInstanceOf(Date);
    expect(await flush(reporter, { force: true })).toMatchObject({ rejected: 1, pending: 0 });
    expect(await flush(reporter)).toMatchObject({ sent: 0, pending: 0 });
    expect(await reporter.retryAt()).toBeUndefined();
  });

  it('quarantines a corrupt spool file with one warning and delivers the others', async () => {
    const rx = await receiver();
    const { reporter, spoolDir } = setup(rx.url);
    for (const s of scans.slice(0, 3)) await reporter.enqueue(s);
    const files = pendingReports(spoolDir);
    truncateSync(join(spoolDir, files[1]), 37);
    writeFileSync(join(spoolDir, 'zz-garbage.json'), '\u0000\u0001');
    const res = await flush(reporter);
    expect(res).toMatchObject({ sent: 2, quarantined: 1, pending: 0 });
    expect(native(rx).map((r) => r.sequence)).toEqual([1, 3]);
    expect(readdirSync(join(spoolDir, 'quarantine')).sort()).toEqual([files[1], 'zz-garbage.json'].sort());
    const warn = logs.filter((l) => l.includes('quarantined'));
    expect(warn).toHaveLength(2);
    expect(warn.find((l) => l.includes(files[1]))).toMatch(
      /^ratwatch: spool: quarantined \d{12}-delta-[0-9a-f-]+\.json: invalid JSON \(.+\)$/,
    );
    // the lost delta had findings, so the next report restates everything
    await reporter.enqueue(scans[2]);
    await flush(reporter);
    expect(native(rx).at(-1)!.kind).toBe('full');
  });

  it('refuses http to a non-loopback address before any connection is made', async () => {
    let sockets = 0;
    const count = () => void sockets++;
    dc.subscribe('net.client.socket', count);
    try {
      expect(() => setup('http://192.0.2.1/ingest')).toThrow(ConfigError);
      expect(() => setup('http://192.0.2.1/ingest')).toThrow(/endpoint.url must be an https URL/);
      // A Config assembled by hand (not through loadConfig) is stopped by the transport itself.
      const { config, reporter: _unused } = setup('https://127.0.0.1:9/ingest');
      const handMade: Config = { ...config, endpoint: { ...config.endpoint, url: 'http://192.0.2.1/ingest' } };
      const reporter = new Reporter(handMade, { log: (l) => logs.push(l) });
      await reporter.enqueue(scans[0]);
      const res = await flush(reporter, { force: true });
      expect(res.error).toMatch(/^endpoint.url must be an https URL/);
      expect(res.pending).toBe(1);
      expect(sockets).toBe(0);
    } finally {
      dc.unsubscribe('net.client.socket', count);
    }
  });

  it('does not leak the token when its file is unreadable or the server echoes it in an error', async () => {
    const rx = await receiver();
    rx.reply = (r) => ({ status: 500, body: `internal: ${r.headers.authorization} ${Buffer.from(TOKEN).toString('base64')}` });
    const { reporter } = setup(rx.url);
    await reporter.enqueue(scans[0]);
    const res = await flush(reporter);
    expect(res.error).toMatch(/HTTP 500 internal: Bearer \[redacted\] \[redacted\]$/);
    const other = setup(rx.url, { tokenFile: join(root, 'no-such-token') });
    await other.reporter.enqueue(scans[0]);
    expect((await flush(other.reporter)).error).toBe(`endpoint.tokenFile ${join(root, 'no-such-token')}: cannot read (ENOENT)`);
  });

  it('does not leak a piece of the token when the echoed token straddles the cut of the error text', async () => {
    const rx = await receiver();
    for (const pad of [150, 155]) {
      rx.reply = () => ({ status: 401, body: `${'x'.repeat(pad)}${TOKEN} trailing` });
      const { reporter } = setup(rx.url);
      await reporter.enqueue(scans[0]);
      const res = await flush(reporter);
      expect(res.rejected).toBe(1);
      const said = [...logs, res.error ?? ''].join('\n');
      expect(said).toMatch(/HTTP 401 x+/);
      expect(said).not.toContain(TOKEN.slice(0, 6));
    }
  });

  it('keeps verifying certificates when NODE_TLS_REJECT_UNAUTHORIZED=0 is in the environment', async () => {
    const rx = await receiver();
    const { config } = setup(rx.url);
    const r = new Reporter({ ...config, endpoint: { ...config.endpoint, caFile: undefined } }, { log: (l) => logs.push(l) });
    await r.enqueue(scans[0]);
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const warn = process.emitWarning;
    process.emitWarning = () => undefined; // Node warns once about the variable; not this test's business
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    let res: FlushResult;
    try {
      res = await flush(r);
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
      process.emitWarning = warn;
    }
    expect(res.error).toMatch(/self.signed|unable to (get|verify)/i);
    expect(rx.received).toHaveLength(0);
  });

  it('does not hold reports back for as long as the clock went backwards', async () => {
    const rx = await receiver();
    rx.reply = () => ({ status: 503 });
    let clock = Date.now();
    const { config } = setup(rx.url);
    const r = new Reporter(config, { log: (l) => logs.push(l), now: () => new Date(clock) });
    await r.enqueue(scans[0]);
    expect(await flush(r)).toMatchObject({ sent: 0, pending: 1 });
    clock -= 365 * 86_400_000; // an RTC reset or a manual change: "now" is a year before the stored retry time
    const at = (await r.retryAt())!.getTime();
    expect(at - clock).toBeLessThanOrEqual(config.retryMaxSeconds * 1000); // what the daemon arms its timer with
    rx.reply = () => ({ status: 200 });
    expect(await flush(r)).toMatchObject({ sent: 1, pending: 0 });
    expect(rx.received).toHaveLength(2);
  });

  it('sends uncompressed when gzip is off, and refuses a server whose certificate the CA did not sign', async () => {
    const rx = await receiver();
    const plain = setup(rx.url, { gzip: false });
    await plain.reporter.enqueue(scans[0]);
    expect(await flush(plain.reporter)).toMatchObject({ sent: 1 });
    expect(rx.received[0].headers['content-encoding']).toBeUndefined();
    expect(rx.received[0].signatureOk).toBe(true);

    const noCa = setup(rx.url, {});
    const cfg: Config = { ...noCa.config, endpoint: { ...noCa.config.endpoint, caFile: undefined } };
    const r = new Reporter(cfg, { log: (l) => logs.push(l) });
    await r.enqueue(scans[0]);
    const res = await flush(r);
    expect(res.error).toMatch(/self.signed|unable to (get|verify)/i);
    expect(rx.received).toHaveLength(1);
  });
});

describe('wire formats', () => {
  it('OCSF: Detection Finding events with the required fields', async () => {
    const rx = await receiver();
    const { reporter } = setup(rx.url, { endpointFormat: 'ocsf' });
    await reporter.enqueue(scans[1]);
    await reporter.enqueue(scans[3]);
    await flush(reporter);
    const [first, second] = rx.received.map((r) => JSON.parse(r.text) as Array<Record<string, any>>);
    expect(first).toHaveLength(2);
    for (const e of [...first, ...second]) {
      expect(e).toMatchObject({ class_uid: 2004, category_uid: 2, metadata: { product: { name: 'ratwatch', vendor_name: 'ratwatch' } } });
      expect(e.metadata.version).toBe('1.8.0');
      expect(e.type_uid).toBe(200400 + e.activity_id);
      expect(typeof e.severity_id).toBe('number');
      expect(typeof e.time).toBe('number');
      expect(e.finding_info.uid).toMatch(/:1$/);
      expect(e.finding_info.attacks[0]).toEqual({
        technique: { uid: 'T1219', name: 'Remote Access Tools' },
        tactic: { uid: 'TA0011', name: 'Command and Control' },
      });
      expect(e.device.hostname).toBe('laptop-7');
    }
    expect(first.map((e) => e.activity_id)).toEqual([1, 1]);
    expect(second).toEqual([expect.objectContaining({ activity_id: 3, finding_info: expect.objectContaining({ uid: 'anydesk:1' }) })]);
    expect(rx.received[1].headers['x-ratwatch-report-kind']).toBe('delta');
  });

  it('Splunk HEC: /services/collector/event, Authorization: Splunk, concatenated events', async () => {
    const rx = await receiver();
    rx.reply = () => ({ status: 200, body: '{"text":"Success","code":0}' });
    const { reporter } = setup(rx.url.replace('/ingest', '/'), { endpointFormat: 'splunk-hec' });
    await reporter.enqueue(scans[1]);
    expect(await flush(reporter)).toMatchObject({ sent: 1, pending: 0 });
    const [req] = rx.received;
    expect(req.path).toBe('/services/collector/event');
    expect(req.headers.authorization).toBe(`Splunk ${TOKEN}`);
    const events = splitConcatenatedJson(req.text) as Array<Record<string, any>>;
    expect(events.map((e) => e.sourcetype)).toEqual(['ratwatch:report', 'ratwatch:finding', 'ratwatch:finding']);
    for (const e of events)
      expect(e).toMatchObject({ host: 'laptop-7', source: 'ratwatch', time: expect.any(Number), event: expect.any(Object) });
    expect(events.slice(1).map((e) => e.event.finding.id)).toEqual(['anydesk:1', 'rustdesk:1']);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(TOKEN);
  });
});
