import { randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReport } from '../../../../agent/report/encode.ts';
import type { NativeReport } from '../../../../agent/report/types.ts';
import { signRequest } from '../../../../agent/transport/sign.ts';
import { INGEST_PATH } from '../../../../server/http/handler.ts';
import {
  DEFAULT_LIMITS,
  Refusal,
  authenticateAgent,
  bearer,
  hashKey,
  readBody,
  receiveReport,
  type IngestLimits,
} from '../../../../server/ingest/receive.ts';
import { openStore } from '../../../../server/store/sql-store.ts';
import type { Store } from '../../../../server/store/types.ts';
import { SimAgent, finding } from '../../../helpers/server/reports.ts';

// The request checks of the ingest endpoint, on real node:http IncomingMessage streams fed the bytes an
// agent sends (its own encoder and signer): what is refused, with which status (4xx: the agent moves the
// report to rejected/) and which one-line message, and what a good request becomes. The HTTP server
// around them is tested end to end in test/e2e/server.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const TS = String(NOW.getTime() / 1000);
const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

function request(headers: Record<string, string>, body: Buffer | string = '', method = 'POST', url = INGEST_PATH): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = headers;
  if (body.length) req.push(Buffer.from(body));
  req.push(null);
  return req;
}

function report(over: Partial<NativeReport> = {}): NativeReport {
  return { ...new SimAgent('agent-1', 'pc-1').next([finding('anydesk')], NOW), ...over };
}

/** The headers an agent sends with a report, signed when `key` is given (agent/transport/client.ts). */
function agentHeaders(r: NativeReport, wire: Buffer, o: { key?: Buffer; ts?: string; gzip?: boolean } = {}): Record<string, string> {
  const ts = o.ts ?? TS;
  const h: Record<string, string> = {
    'content-type': 'application/json',
    'x-ratwatch-report-id': r.reportId,
    'x-ratwatch-agent-id': r.agentId,
    'x-ratwatch-report-kind': r.kind,
    'x-ratwatch-sequence': String(r.sequence),
    'x-ratwatch-timestamp': ts,
  };
  if (o.gzip) h['content-encoding'] = 'gzip';
  if (o.key) {
    h['x-ratwatch-signature'] = signRequest(o.key, {
      method: 'POST',
      path: INGEST_PATH,
      timestamp: ts,
      agentId: r.agentId,
      reportId: r.reportId,
      sequence: r.sequence,
      kind: r.kind,
      body: wire,
    });
  }
  return h;
}

let store: Store;
beforeAll(async () => {
  store = await openStore({});
});
afterAll(() => store.close());

const receive = (req: IncomingMessage, o: { key?: Buffer; limits?: Partial<IngestLimits>; publicIp?: string | null } = {}) =>
  receiveReport(req, 'agent-1', o.publicIp === undefined ? '198.51.100.7' : o.publicIp, {
    store,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    hmacKey: o.key,
    now: () => NOW,
  });

/** The refusal a promise rejects with, as the agent would see it. */
async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string; agentId?: string; tamper?: string }> {
  const e = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (x: unknown) => x,
  );
  if (!(e instanceof Refusal)) throw e;
  return { status: e.status, message: e.message, ...(e.agentId ? { agentId: e.agentId } : {}), ...(e.tamper ? { tamper: e.tamper } : {}) };
}

describe('the agent key', () => {
  it('reads a bearer key of 8 to 512 printable characters and nothing else', () => {
    const auth = (v: string) => bearer(request({ authorization: v }));
    expect(auth('Bearer rwa_12345')).toBe('rwa_12345');
    expect(auth('Bearer 12345678')).toBe('12345678');
    expect(auth(`Bearer ${'k'.repeat(512)}`)).toBe('k'.repeat(512));
    for (const bad of [
      'Bearer 1234567',
      `Bearer ${'k'.repeat(513)}`,
      'bearer 12345678',
      'Basic 12345678',
      'Bearer 1234 5678',
      'Bearer 12345678\u00e9',
      'xBearer 12345678',
      'Bearer 12345678 ',
    ]) {
      expect(auth(bad)).toBeUndefined();
    }
    expect(bearer(request({}))).toBeUndefined();
  });

  it('knows an enrolled agent by its key, and refuses a missing, unknown or revoked key with 401', async () => {
    await store.enrollAgent({ agentId: 'agent-1', keyHash: hashKey('rwa_key-of-agent-1'), hostname: 'pc-1', at: NOW.toISOString() });
    await store.enrollAgent({ agentId: 'agent-2', keyHash: hashKey('rwa_key-of-agent-2'), hostname: 'pc-2', at: NOW.toISOString() });
    await store.revokeAgent('agent-2', NOW.toISOString());
    expect(await authenticateAgent(request({ authorization: 'Bearer rwa_key-of-agent-1' }), store)).toBe('agent-1');
    expect(await refusal(authenticateAgent(request({}), store))).toEqual({
      status: 401,
      message: 'missing bearer key (enroll the agent: ratwatch enroll)',
    });
    expect(await refusal(authenticateAgent(request({ authorization: 'Bearer rwa_key-of-nobody' }), store))).toEqual({
      status: 401,
      message: 'unknown agent key',
    });
    expect(await refusal(authenticateAgent(request({ authorization: 'Bearer rwa_key-of-agent-2' }), store))).toEqual({
      status: 401,
      message: 'agent key revoked',
      agentId: 'agent-2',
    });
  });

  it('stores only a SHA-256 of the key', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('the body limit', () => {
  it('refuses a declared length over the limit before reading, and takes one at the limit', async () => {
    expect(await refusal(readBody(request({ 'content-length': '11' }, 'hello world'), 10))).toEqual({
      status: 413,
      message: 'body larger than 10 bytes',
    });
    expect((await readBody(request({ 'content-length': '10' }, 'helloworld'), 10)).toString()).toBe('helloworld');
  });

  it('refuses a body that grows past the limit without a length, and takes one exactly at it', async () => {
    // two chunks, as a chunked upload arrives: only the second one passes the limit
    const chunks = (...parts: string[]) => {
      const req = new IncomingMessage(new Socket());
      req.headers = {};
      for (const p of parts) req.push(Buffer.from(p));
      req.push(null);
      return req;
    };
    expect(await refusal(readBody(chunks('hello', 'world!'), 10))).toEqual({ status: 413, message: 'body larger than 10 bytes' });
    expect((await readBody(chunks('hello', 'world'), 10)).toString()).toBe('helloworld');
    expect((await readBody(chunks(), 10)).length).toBe(0);
  });

  it('fails, not hangs, when the connection breaks mid-body', async () => {
    const req = new IncomingMessage(new Socket());
    req.headers = {};
    const p = readBody(req, 100);
    req.destroy(new Error('socket hang up'));
    await expect(p).rejects.toThrow('socket hang up');
  });
});

describe('a report request', () => {
  it('becomes the report, its text as received, the client address and the server time', async () => {
    const r = report();
    const wire = encodeReport(r, 'native');
    const item = await receive(request(agentHeaders(r, wire), wire));
    expect(item.report).toEqual(JSON.parse(wire.toString('utf8')));
    expect(item.report.findings.map((f) => f.tool.id)).toEqual(['anydesk']);
    expect(item.body).toBe(wire.toString('utf8'));
    expect(item.publicIp).toBe('198.51.100.7');
    expect(item.receivedAt).toBe('2026-06-01T12:00:00.000Z');
    expect((await receive(request({}, wire), { publicIp: null })).publicIp).toBeNull();
  });

  it('takes gzip in any case of the header, inline for a small body and on the thread pool for a big one', async () => {
    const small = report();
    const smallWire = gzipSync(encodeReport(small, 'native'));
    expect(smallWire.length).toBeLessThanOrEqual(4096);
    const a = await receive(request({ ...agentHeaders(small, smallWire), 'content-encoding': 'GZip' }, smallWire));
    expect(a.report.reportId).toBe(small.reportId);
    // random hex does not compress: the wire body is well over the 4 KiB inline limit
    const many = Array.from({ length: 150 }, () => finding(`anydesk:${randomBytes(32).toString('hex')}`));
    const big = { ...new SimAgent('agent-1', 'pc-1').next(many, NOW) };
    const bigWire = gzipSync(encodeReport(big, 'native'));
    expect(bigWire.length).toBeGreaterThan(4096);
    const b = await receive(request(agentHeaders(big, bigWire, { gzip: true }), bigWire));
    expect(b.report.findings.map((f) => f.id)).toEqual(big.findings.map((f) => f.id));
    expect(b.body).toBe(encodeReport(big, 'native').toString('utf8'));
    const identity = await receive(request({ 'content-encoding': 'Identity' }, encodeReport(small, 'native')));
    expect(identity.report.reportId).toBe(small.reportId);
  });

  it('refuses other encodings with 415, naming the encoding on one bounded line', async () => {
    const wire = encodeReport(report(), 'native');
    expect(await refusal(receive(request({ 'content-encoding': 'br' }, wire)))).toEqual({
      status: 415,
      message: 'unsupported Content-Encoding "br"',
      agentId: 'agent-1',
    });
    const long = await refusal(receive(request({ 'content-encoding': `x${'y'.repeat(100)}` }, wire)));
    expect(long.message).toBe(`unsupported Content-Encoding "x${'y'.repeat(31)}"`);
  });

  it('refuses a body that is not gzip with 400, and a gzip bomb with 413, inline or not', async () => {
    const wire = encodeReport(report(), 'native');
    expect(await refusal(receive(request({ 'content-encoding': 'gzip' }, wire)))).toEqual({
      status: 400,
      message: 'body is not valid gzip',
      agentId: 'agent-1',
    });
    const bombSmall = gzipSync(Buffer.alloc(2_000_000, 32));
    expect(bombSmall.length).toBeLessThanOrEqual(4096);
    expect(await refusal(receive(request({ 'content-encoding': 'gzip' }, bombSmall), { limits: { maxInflatedBytes: 1_000_000 } }))).toEqual(
      {
        status: 413,
        message: 'inflated body larger than 1000000 bytes',
        agentId: 'agent-1',
      },
    );
    const bombBig = gzipSync(Buffer.concat([randomBytes(8000), Buffer.alloc(2_000_000, 32)]));
    expect(bombBig.length).toBeGreaterThan(4096);
    expect(
      (await refusal(receive(request({ 'content-encoding': 'gzip' }, bombBig), { limits: { maxInflatedBytes: 1_000_000 } }))).status,
    ).toBe(413);
    const brokenBig = Buffer.concat([gzipSync(randomBytes(8000)).subarray(0, 5000), Buffer.from('junk')]);
    expect((await refusal(receive(request({ 'content-encoding': 'gzip' }, brokenBig)))).message).toBe('body is not valid gzip');
  });

  it('refuses a wire body over the limit with 413', async () => {
    const wire = encodeReport(report(), 'native');
    expect(await refusal(receive(request({}, wire), { limits: { maxWireBytes: wire.length - 1 } }))).toEqual({
      status: 413,
      message: `body larger than ${wire.length - 1} bytes`,
    });
  });

  it('refuses what is not JSON, or not a report, with 400 and the first problem', async () => {
    expect(await refusal(receive(request({}, 'agent=1&report=2')))).toEqual({
      status: 400,
      message: 'body is not JSON (only the native format is accepted)',
      agentId: 'agent-1',
    });
    const notReport = await refusal(receive(request({}, JSON.stringify({ ...report(), sequence: 'seven' }))));
    expect(notReport.status).toBe(400);
    expect(notReport.message).toBe('not a ratwatch report: /sequence must be integer');
  });

  it('refuses a NUL character the database could never store, but not an escaped backslash before "u0000"', async () => {
    const nul = JSON.stringify(report({ host: { ...report().host, hostname: 'pc\u00001' } }));
    expect(nul).toContain('\\u0000');
    expect(await refusal(receive(request({}, nul)))).toEqual({
      status: 400,
      message: 'report contains a NUL character (\\u0000)',
      agentId: 'agent-1',
    });
    const afterBackslash = JSON.stringify(report({ host: { ...report().host, hostname: 'pc\\\u0000' } }));
    expect((await refusal(receive(request({}, afterBackslash)))).message).toBe('report contains a NUL character (\\u0000)');
    const text = JSON.stringify(report({ host: { ...report().host, hostname: 'C:\\u0000' } }));
    expect(text).toContain('\\\\u0000');
    expect((await receive(request({}, text))).report.host.hostname).toBe('C:\\u0000');
  });

  it("refuses with 403 a report under another agent's id", async () => {
    const r = report({ agentId: 'agent-2' });
    expect(await refusal(receive(request({}, encodeReport(r, 'native'))))).toEqual({
      status: 403,
      message: 'report agentId is not the agent this key was issued to',
      agentId: 'agent-1',
    });
  });

  it('refuses with 400 report headers that do not say what the body says', async () => {
    const r = report();
    const wire = encodeReport(r, 'native');
    for (const [name, value] of [
      ['x-ratwatch-report-id', 'another-report'],
      ['x-ratwatch-agent-id', 'agent-2'],
      ['x-ratwatch-sequence', String(r.sequence + 1)],
      ['x-ratwatch-report-kind', r.kind === 'full' ? 'delta' : 'full'],
    ]) {
      expect(await refusal(receive(request({ ...agentHeaders(r, wire), [name]: value }, wire)))).toEqual({
        status: 400,
        message: `${name} does not match the report`,
        agentId: 'agent-1',
      });
    }
  });
});

describe('signed reports (protocol v2)', () => {
  it('takes a report the agent signed with its key, within the clock window on either side', async () => {
    const r = report();
    const wire = gzipSync(encodeReport(r, 'native'));
    expect((await receive(request(agentHeaders(r, wire, { key: KEY, gzip: true }), wire), { key: KEY })).report.reportId).toBe(r.reportId);
    for (const ts of [String(Number(TS) - 300), String(Number(TS) + 300)]) {
      expect((await receive(request(agentHeaders(r, wire, { key: KEY, gzip: true, ts }), wire), { key: KEY })).report.reportId).toBe(
        r.reportId,
      );
    }
  });

  it('refuses a missing or malformed timestamp, as tampering', async () => {
    const r = report();
    const wire = encodeReport(r, 'native');
    for (const ts of ['', 'yesterday', '1234567890123', '-5', '17.5']) {
      const h = agentHeaders(r, wire, { key: KEY, ts });
      expect(await refusal(receive(request(h, wire), { key: KEY }))).toEqual({
        status: 401,
        message: 'missing or malformed X-Ratwatch-Timestamp',
        agentId: 'agent-1',
        tamper: 'bad-signature',
      });
    }
    const h = agentHeaders(r, wire, { key: KEY });
    delete h['x-ratwatch-timestamp'];
    expect((await refusal(receive(request(h, wire), { key: KEY }))).message).toBe('missing or malformed X-Ratwatch-Timestamp');
  });

  it('refuses a signature by another key, a missing one, and one replayed on another body, report or path', async () => {
    const r = report();
    const wire = encodeReport(r, 'native');
    const bad = { status: 401, message: 'bad X-Ratwatch-Signature', agentId: 'agent-1', tamper: 'bad-signature' };
    const other = Buffer.from('another-key-another-key-another-k');
    expect(await refusal(receive(request(agentHeaders(r, wire, { key: other }), wire), { key: KEY }))).toEqual(bad);
    expect(await refusal(receive(request(agentHeaders(r, wire), wire), { key: KEY }))).toEqual(bad);
    const signed = agentHeaders(r, wire, { key: KEY });
    const otherBody = encodeReport({ ...r, findings: [] }, 'native');
    expect(await refusal(receive(request(signed, otherBody), { key: KEY }))).toEqual(bad);
    // every signed header is bound: one changed with the body to match still fails the signature
    const r2 = { ...r, sequence: r.sequence + 1 };
    const wire2 = encodeReport(r2, 'native');
    expect(await refusal(receive(request({ ...signed, 'x-ratwatch-sequence': String(r2.sequence) }, wire2), { key: KEY }))).toEqual(bad);
    const r3 = { ...r, reportId: 'b1946ac9-2b5c-4d2b-9bd2-6b3c2d9c8f10' };
    const wire3 = encodeReport(r3, 'native');
    expect(await refusal(receive(request({ ...signed, 'x-ratwatch-report-id': r3.reportId }, wire3), { key: KEY }))).toEqual(bad);
    const r4 = { ...r, kind: r.kind === 'full' ? ('delta' as const) : ('full' as const) };
    const wire4 = encodeReport(r4, 'native');
    expect(await refusal(receive(request({ ...signed, 'x-ratwatch-report-kind': r4.kind }, wire4), { key: KEY }))).toEqual(bad);
    expect(await refusal(receive(request(signed, wire, 'POST', `${INGEST_PATH}?x=1`), { key: KEY }))).toEqual(bad);
    expect(await refusal(receive(request(signed, wire, 'PUT'), { key: KEY }))).toEqual(bad);
    expect(await refusal(receive(request({ ...signed, 'x-ratwatch-agent-id': 'agent-9' }, wire), { key: KEY }))).toEqual(bad);
  });

  it('refuses a correct signature more than 300 s off the server clock, either way', async () => {
    const r = report();
    const wire = encodeReport(r, 'native');
    for (const ts of [String(Number(TS) - 301), String(Number(TS) + 301)]) {
      expect(await refusal(receive(request(agentHeaders(r, wire, { key: KEY, ts }), wire), { key: KEY }))).toEqual({
        status: 401,
        message: 'signature timestamp more than 300 s off the server clock',
        agentId: 'agent-1',
        tamper: 'bad-signature',
      });
    }
    const wide = await receive(request(agentHeaders(r, wire, { key: KEY, ts: String(Number(TS) - 301) }), wire), {
      key: KEY,
      limits: { maxClockSkewS: 301 },
    });
    expect(wide.report.reportId).toBe(r.reportId);
  });

  it('checks no signature when the server has no key', async () => {
    const r = report();
    const wire = encodeReport(r, 'native');
    const h = { ...agentHeaders(r, wire), 'x-ratwatch-signature': 'v2=forged', 'x-ratwatch-timestamp': 'never' };
    expect((await receive(request(h, wire))).report.reportId).toBe(r.reportId);
  });
});
