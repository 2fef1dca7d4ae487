import { createHash, createHmac } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../../agent/model.ts';
import { defaultConfig, startServer, type RunningServer } from '../../../server/app.ts';
import { ratwatchAsync as ratwatch, ROOT } from '../../helpers/cli.ts';
import { basic, request } from '../../helpers/server/http.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

// The real agent CLI against the real server over HTTPS on 127.0.0.1 (the server's own self-signed
// certificate, trusted through caFile), then everything an attacker or a broken client might send.

const INV = join(ROOT, 'test/fixtures/inventories/windows-anydesk.json');
const HMAC = 'server-hmac-key-for-tests-only-0123';

afterAll(() => cleanupDatabases());

for (const kind of STORE_KINDS) {
  describe(`agent and server on ${kind}`, { timeout: 400_000 }, () => {
    let srv: RunningServer;
    let dir: string;
    let admin: string;

    beforeAll(async () => {
      const db = await freshDatabase(kind);
      dir = db.dataDir;
      writeFileSync(join(dir, 'hmac.key'), `${HMAC}\n`, { mode: 0o600 });
      srv = await startServer(
        defaultConfig({
          dataDir: join(dir, 'server'),
          databaseUrl: db.postgresUrl,
          host: '127.0.0.1',
          port: 0,
          hmacKeyFile: join(dir, 'hmac.key'),
          log: () => undefined,
        }),
      );
      admin = basic(srv.firstAdmin!.name, srv.firstAdmin!.password);
    }, 300_000);
    afterAll(async () => srv?.close());

    const agentFlags = (spool: string) => [
      '--endpoint-url',
      srv.ingestUrl,
      '--ca-file',
      srv.caFile!,
      '--token-file',
      join(spool, 'agent-key'),
      '--hmac-key-file',
      join(dir, 'hmac.key'),
      '--spool-dir',
      spool,
      '--retry-base-seconds',
      '0.05',
      '--timeout-ms',
      '20000',
    ];
    const api = async (path: string) => {
      const r = await request(`${srv.url}/api${path}`, { headers: { authorization: admin }, caFile: srv.caFile });
      expect(r.status, r.text).toBe(200);
      return r;
    };

    it('enrolls the agent, takes its scan report and shows the host and findings in the API', async () => {
      expect(srv.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const spool = join(dir, 'spool-a');
      const bad = await ratwatch(['enroll', ...agentFlags(spool)], { env: { RATWATCH_ENROLL_SECRET: 'rwe_not-the-secret' } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^ratwatch: enroll: enrollment refused: HTTP 401 wrong enrollment secret\n$/);

      const e = await ratwatch(['enroll', ...agentFlags(spool)], { env: { RATWATCH_ENROLL_SECRET: srv.enrollSecret } });
      expect(e.stderr).toMatch(/^ratwatch: enrolled as [0-9a-f-]{36}; key kept in /);
      expect(e.code).toBe(0);
      expect(statSync(join(spool, 'agent-key')).mode & 0o777).toBe(0o600);
      const agentId = readFileSync(join(spool, 'agent-id'), 'utf8').trim();

      const r = await ratwatch(['scan', '--report', '--json', '--inventory', INV, ...agentFlags(spool)]);
      expect(r.stderr).toMatch(/^ratwatch: report [0-9a-f-]{36} \(full\) delivered\n$/);
      const printed = JSON.parse(r.stdout) as ScanResult;
      const active = printed.findings
        .filter((f) => f.status === 'finding')
        .map((f) => f.id)
        .sort();
      expect(active.length).toBeGreaterThan(0);

      const host = (await api(`/hosts/${agentId}`)).json().host;
      expect(host).toMatchObject({
        agentId,
        hostname: printed.host.hostname,
        os: 'windows',
        status: 'online',
        openFindings: active.length,
        publicIp: '127.0.0.1',
      });
      const findings = (await api(`/findings?agent=${agentId}&open=true&limit=1000`)).json().findings as Array<{
        findingId: string;
        evidence: unknown[];
      }>;
      expect(findings.map((f) => f.findingId).sort()).toEqual(active);
      expect(findings[0].evidence.length).toBeGreaterThan(0);
      const csv = (await api('/hosts?format=csv')).text.split('\r\n');
      expect(csv[0]).toBe(
        'agentId,hostname,os,osVersion,user,agentVersion,status,firstSeen,lastSeen,openFindings,publicIp,timezone,locale',
      );
      expect(csv[1].startsWith(`${agentId},`)).toBe(true);

      // The second scan restates nothing new: a heartbeat, and still one host.
      const again = await ratwatch(['scan', '--report', '--inventory', INV, ...agentFlags(spool)]);
      expect(again.stderr).toMatch(/\(heartbeat\) delivered/);
      expect((await api('/overview')).json().hosts.total).toBe(1);
      expect((await api(`/hosts/${agentId}/timeline`)).json().events.map((x: { type: string }) => x.type)).toContain('first-report');

      // A revoked key is refused; the report waits in rejected/ until the agent enrolls again.
      const rv = await request(`${srv.url}/api/agents/${agentId}/revoke`, {
        method: 'POST',
        headers: { authorization: admin },
        caFile: srv.caFile,
      });
      expect(rv.status).toBe(200);
      const refused = await ratwatch(['scan', '--report', '--inventory', INV, ...agentFlags(spool)]);
      expect(refused.stderr).toContain('HTTP 401 {"error":"agent key revoked"}');
      expect((await api('/audit')).json().audit[0]).toMatchObject({ actor: 'admin', action: 'agent.revoke', target: `agent:${agentId}` });
    }, 400_000); // five runs of the real CLI on a shared 2-core machine

    it('refuses garbage, oversized bodies, gzip bombs, wrong keys and replayed or forged signatures with a clear 4xx, storing nothing', async () => {
      const spool = join(dir, 'spool-b');
      expect((await ratwatch(['enroll', ...agentFlags(spool)], { env: { RATWATCH_ENROLL_SECRET: srv.enrollSecret } })).code).toBe(0);
      const key = readFileSync(join(spool, 'agent-key'), 'utf8').trim();
      const agentId = readFileSync(join(spool, 'agent-id'), 'utf8').trim();
      const before = await srv.store.countReports();
      const report = new SimAgent(agentId, 'laptop-b').next([]);
      const reportHeaders = {
        'x-ratwatch-agent-id': report.agentId,
        'x-ratwatch-report-id': report.reportId,
        'x-ratwatch-sequence': String(report.sequence),
        'x-ratwatch-report-kind': report.kind,
      };
      // protocol v2, written here from PROTOCOL.md rather than imported from the agent
      const sign = (ts: string, body: Buffer) => {
        const canonical = [
          'ratwatch-signature-v2',
          'POST',
          new URL(srv.ingestUrl).pathname,
          ts,
          report.agentId,
          report.reportId,
          String(report.sequence),
          report.kind,
          createHash('sha256').update(body).digest('hex'),
        ].join('\n');
        return `v2=${createHmac('sha256', HMAC).update(canonical).digest('hex')}`;
      };
      const now = () => String(Math.floor(Date.now() / 1000));
      const post = (body: Buffer, h: Record<string, string> = {}, ts = now()) =>
        request(srv.ingestUrl, {
          body,
          caFile: srv.caFile,
          headers: {
            authorization: `Bearer ${key}`,
            'content-encoding': 'gzip',
            ...reportHeaders,
            'x-ratwatch-timestamp': ts,
            'x-ratwatch-signature': sign(ts, body),
            ...h,
          },
        });
      const good = gzipSync(item(report).body);

      const cases: Array<[string, Promise<{ status: number; text: string }>, number, RegExp]> = [
        ['no key', post(good, { authorization: '' }), 401, /missing bearer key/],
        ['wrong key', post(good, { authorization: 'Bearer rwa_wrong-key-0123456789' }), 401, /unknown agent key/],
        ['garbage', post(gzipSync(Buffer.from('\x00\xffnot json'))), 400, /not JSON/],
        ['not gzip', post(Buffer.from('plain bytes')), 400, /not valid gzip/],
        ['schema', post(gzipSync(JSON.stringify({ ...report, sequence: -1 }))), 400, /not a ratwatch report: \/sequence/],
        ['oversized', post(Buffer.alloc(3 * 1024 * 1024, 7)), 413, /body larger than/],
        ['gzip bomb', post(gzipSync(Buffer.alloc(64 * 1024 * 1024))), 413, /inflated body larger than/],
        ['forged', post(good, { 'x-ratwatch-signature': sign(now(), gzipSync('{}')) }), 401, /bad X-Ratwatch-Signature/],
        ['stale replay', post(good, {}, String(Math.floor(Date.now() / 1000) - 3600)), 401, /more than 300 s off/],
        ['other agent', post(gzipSync(item(new SimAgent('someone-else', 'x').next([])).body)), 403, /not the agent this key was issued to/],
        ['encoding', post(good, { 'content-encoding': 'br' }), 415, /Content-Encoding/],
        // PostgreSQL text cannot hold U+0000: refused up front, not failed in the database on every resend
        ['NUL', post(gzipSync(JSON.stringify({ ...report, host: { ...report.host, hostname: 'a\u0000b' } }))), 400, /NUL character/],
      ];
      for (const [name, p, status, msg] of cases) {
        const r = await p;
        expect(r.status, `${name}: ${r.text}`).toBe(status);
        expect(JSON.parse(r.text).error, name).toMatch(msg);
      }
      expect(await srv.store.countReports()).toBe(before);
      expect((await api(`/hosts/${agentId}/timeline`)).json().events.map((x: { type: string }) => x.type)).toContain('bad-signature');
      expect((await api('/alerts?rule=bad-signature')).json().alerts).toHaveLength(1);

      // The same signed request twice (a replay inside the window): stored once, the second is a duplicate.
      const ts = now();
      const first = await post(good, {}, ts);
      const replay = await post(good, {}, ts);
      expect([first.status, first.json().status, replay.status, replay.json().status]).toEqual([200, 'stored', 200, 'duplicate']);
      expect(await srv.store.countReports()).toBe(before + 1);
      expect((await request(`${srv.url}/healthz`, { caFile: srv.caFile })).status).toBe(200);
    });

    it('lets viewers read but not act, and people use API tokens', async () => {
      const mk = await request(`${srv.url}/api/users`, {
        body: JSON.stringify({ name: 'vera', role: 'viewer', password: 'correct horse battery' }),
        headers: { authorization: admin, 'content-type': 'application/json' },
        caFile: srv.caFile,
      });
      expect(mk.status, mk.text).toBe(201);
      const vera = basic('vera', 'correct horse battery');
      const tok = await request(`${srv.url}/api/tokens`, {
        body: '{"name":"script"}',
        headers: { authorization: vera },
        caFile: srv.caFile,
      });
      const token = tok.json().token as string;
      expect(token).toMatch(/^rwt_/);
      expect((await request(`${srv.url}/api/hosts`, { headers: { authorization: `Bearer ${token}` }, caFile: srv.caFile })).status).toBe(
        200,
      );
      expect((await request(`${srv.url}/api/audit`, { headers: { authorization: `Bearer ${token}` }, caFile: srv.caFile })).status).toBe(
        403,
      );
      expect(
        (await request(`${srv.url}/api/hosts`, { headers: { authorization: basic('vera', 'wrong password!') }, caFile: srv.caFile }))
          .status,
      ).toBe(401);
    });
  });
}
