// GET /api/siem on the real server (HTTP on 127.0.0.1, SQLite and PostgreSQL): per configured sink, the
// events waiting and refused for good, since when the oldest waits, and the events delivered and dropped
// ever, after real deliveries to the local OCSF receiver and HEC stand-in; who may read it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.ts';
import { startHec, type HecReceiver } from '../../helpers/hec-receiver.ts';
import { finding, makeCerts, startReceiver, type Receiver } from '../../helpers/report-helpers.ts';
import { basic, request } from '../../helpers/server/http.ts';
import { loopbackConfig, startClocked } from '../../helpers/server/loopback-server.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-01T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const HEC_TOKEN = '11111111-2222-4333-8444-555555555555';
const VIEWER = { name: 'vera', password: 'viewer password 1' };

for (const kind of STORE_KINDS) {
  describe(`GET /api/siem on ${kind}`, { timeout: 300_000 }, () => {
    let ocsf: Receiver;
    let hec: HecReceiver;
    let srv: RunningServer;
    let clock = T0;
    let ocsfStatus = 200;
    const auths: Record<string, string> = {};

    const siem = async (auth: string) => {
      const r = await request(`${srv.url}/api/siem`, { headers: { authorization: auth } });
      return { status: r.status, body: r.json() };
    };
    const round = async (minutes: number) => {
      clock = at(minutes);
      return (await srv.jobs.round()).siem;
    };

    beforeAll(async () => {
      const db = await freshDatabase(kind);
      const certs = makeCerts(mkdtempSync(join(tmpdir(), 'ratwatch-siem-api-')));
      ocsf = await startReceiver(certs);
      ocsf.reply = () => ({ status: ocsfStatus, body: '{}' });
      hec = await startHec(certs, { token: HEC_TOKEN, ack: false, indexes: ['main'] });
      srv = await startClocked(
        loopbackConfig(db, {
          now: () => clock,
          siem: [
            { type: 'ocsf', name: 'lake', url: ocsf.url, caFile: certs.caFile, retryBaseMs: 60_000, maxQueued: 100 },
            { type: 'splunk-hec', name: 'splunk', url: hec.url, caFile: certs.caFile, token: HEC_TOKEN, maxQueued: 1000 },
          ],
        }),
      );
      const admin = srv.firstAdmin!;
      auths.adminPassword = basic(admin.name, admin.password);
      const post = (path: string, body: unknown, auth = auths.adminPassword) =>
        request(`${srv.url}/api${path}`, {
          body: JSON.stringify(body),
          headers: { authorization: auth, 'content-type': 'application/json' },
        });
      expect((await post('/users', { name: VIEWER.name, role: 'viewer', password: VIEWER.password })).status).toBe(201);
      auths.viewerPassword = basic(VIEWER.name, VIEWER.password);
      auths.adminToken = `Bearer ${(await post('/tokens', { name: 'ops' })).json().token}`;
      auths.viewerToken = `Bearer ${(await post('/tokens', { name: 'dash' }, auths.viewerPassword)).json().token}`;
    }, 200_000);
    afterAll(async () => {
      await srv?.close();
      await ocsf?.close();
      await hec?.close();
    });

    /** The same answer for every person and token, admin or viewer. */
    const sinks = async () => {
      const answers = await Promise.all(Object.values(auths).map(siem));
      for (const a of answers) expect(a).toEqual({ status: 200, body: answers[0].body });
      return answers[0].body.sinks;
    };
    const idle = { configured: true, waiting: 0, dead: 0, delivered: 0, dropped: 0, oldestWaitingAt: null };

    it('lists every configured sink before anything was sent, to admins and viewers, by password or token; nobody else', async () => {
      expect(await sinks()).toEqual({ lake: idle, splunk: idle });
      for (const auth of ['', 'Bearer rwt_aaaaaaaaaaaaaaaaaaaaaaaa', basic(VIEWER.name, 'wrong password')]) {
        const r = await siem(auth);
        expect(r.status, auth).toBe(401);
        expect(r.body.error).toMatch(/authentication required/);
      }
    });

    it('counts what the OCSF receiver and the HEC stand-in took', async () => {
      const a = new SimAgent('laptop-siem-api', 'siem-api-1');
      await srv.store.ingest([item(a.next([finding('anydesk:running')], at(0)), '198.51.100.20', at(0))], 3600);
      expect(await round(2)).toMatchObject({ enqueued: 3, sent: 3, failed: 0 });
      expect(ocsf.received).toHaveLength(1);
      expect(hec.indexed.map((e) => e.sourcetype)).toEqual(['ratwatch:report', 'ratwatch:finding']);
      expect(await sinks()).toEqual({ lake: { ...idle, delivered: 1 }, splunk: { ...idle, delivered: 2 } });
    });

    it('counts events waiting on a failing sink with since when, those dropped from its full outbox, and those refused for good', async () => {
      ocsfStatus = 503;
      hec.opts.badEvent = (e) => e.sourcetype === 'ratwatch:report';
      const a = new SimAgent('laptop-siem-api2', 'siem-api-2');
      const many = Array.from({ length: 101 }, (_, n) => finding(`tool${n}:running`));
      await srv.store.ingest([item(a.next(many, at(10)), '198.51.100.21', at(10))], 3600);
      // OCSF gets 101 finding events into an outbox of 100: the oldest goes, 100 wait; HEC takes its 101
      // finding events and refuses the report event for good
      expect(await round(12)).toMatchObject({ enqueued: 203, dropped: 1, sent: 101, failed: 100 });
      hec.opts.badEvent = undefined;
      expect(await sinks()).toEqual({
        lake: { ...idle, waiting: 100, dropped: 1, delivered: 1, oldestWaitingAt: at(12).toISOString() },
        splunk: { ...idle, dead: 1, delivered: 103 },
      });
      ocsfStatus = 200;
      expect(await round(30)).toMatchObject({ sent: 100 });
      expect(await sinks()).toEqual({
        lake: { ...idle, dropped: 1, delivered: 101 },
        splunk: { ...idle, dead: 1, delivered: 103 },
      });
    });
  });
}
