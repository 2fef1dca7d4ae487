import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../../agent/version.ts';
import type { RunningServer, ServerConfig } from '../../../server/app.ts';
import { PeriodicJobs } from '../../../server/jobs/periodic.ts';
import { siemRound } from '../../../server/jobs/siem-round.ts';
import { createSiemSinks } from '../../../server/siem/sinks.ts';
import { startHec, type HecReceiver } from '../../helpers/hec-receiver.ts';
import { finding, makeCerts, startReceiver, type Certs, type Receiver } from '../../helpers/report-helpers.ts';
import { loopbackConfig, startClocked } from '../../helpers/server/loopback-server.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

// SIEM forwarding end to end: the real server on 127.0.0.1 forwards findings and alerts to a real local
// HTTPS receiver (OCSF JSON POSTs) and to the local HEC stand-in, through its outbox. The OCSF side fails
// first: the events wait with growing delays, survive a server restart, and arrive once; a second server
// instance on the same database running rounds at the same time sends nothing twice.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-01T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const HEC_TOKEN = '11111111-2222-4333-8444-555555555555';

interface Ocsf {
  class_uid: number;
  activity_id: number;
  is_alert: boolean;
  metadata: { uid: string; version: string };
  finding_info: { uid: string; analytic: { uid: string } };
  device?: { hostname: string };
}

for (const kind of STORE_KINDS) {
  describe(`SIEM forwarding on ${kind}`, { timeout: 300_000 }, () => {
    let certs: Certs;
    let ocsf: Receiver;
    let hec: HecReceiver;
    let config: ServerConfig;
    let srv: RunningServer;
    let clock = T0;

    beforeAll(async () => {
      const db = await freshDatabase(kind);
      certs = makeCerts(mkdtempSync(join(tmpdir(), 'ratwatch-siem-')));
      ocsf = await startReceiver(certs);
      hec = await startHec(certs, { token: HEC_TOKEN, ack: false, indexes: ['main', 'security'] });
      config = loopbackConfig(db, {
        now: () => clock,
        siem: [
          {
            type: 'ocsf',
            name: 'ocsf-lake',
            url: ocsf.url,
            caFile: certs.caFile,
            token: 'ocsf-bearer-token',
            retryBaseMs: 60_000,
            retryMaxMs: 600_000,
          },
          {
            type: 'splunk-hec',
            name: 'splunk',
            url: hec.url,
            caFile: certs.caFile,
            token: HEC_TOKEN,
            index: 'security',
            fields: { team: 'it' },
          },
        ],
      });
      srv = await startClocked(config); // rounds run on the test's clock
    }, 200_000);
    afterAll(async () => {
      await srv?.close();
      await ocsf?.close();
      await hec?.close();
    });

    const round = async (minutes: number) => {
      clock = at(minutes);
      return (await srv.jobs.round()).siem;
    };
    let ocsfStatus = 503;
    const accepted: string[] = []; // bodies the OCSF receiver answered 200 to
    const ocsfEvents = () => accepted.flatMap((t) => JSON.parse(t) as Ocsf[]);
    const hecIds = () => hec.indexed.map((e) => String(e.fields?.ratwatch_event_id));

    it('forwards a new finding and its alert to both sinks; the failing one retries with growing delays and across a restart', async () => {
      ocsf.reply = (r) => {
        if (ocsfStatus === 200) accepted.push(r.text);
        return { status: ocsfStatus, body: '{"error":"busy"}' };
      };
      const a = new SimAgent('laptop-siem', 'siem-1');
      const r1 = a.next([finding('anydesk:running')], at(0));
      await srv.store.ingest([item({ ...r1, privileged: false }, '198.51.100.9', at(0))], 3600);

      expect(await round(0.5)).toMatchObject({ sent: 1 }); // the alert goes at once; the report is not settled yet
      expect(hec.indexed.map((e) => e.sourcetype)).toEqual(['ratwatch:alert']);
      const first = await round(2);
      // enqueued: the OCSF finding, the HEC report and finding; the OCSF batch (alert and finding) is refused again
      expect(first).toMatchObject({ enqueued: 3, sent: 2, failed: 2 });
      expect(hec.indexed.map((e) => e.sourcetype)).toEqual(['ratwatch:alert', 'ratwatch:report', 'ratwatch:finding']);
      expect(hec.indexed.every((e) => e.index === 'security' && e.fields?.team === 'it')).toBe(true);
      const hecFinding = hec.indexed[2].event as { action: string; finding: { id: string; state: string }; agentId: string };
      expect(hecFinding).toMatchObject({ action: 'new', agentId: 'laptop-siem', finding: { id: 'anydesk:running', state: 'running' } });
      expect((hec.indexed[0].event as { rule: string }).rule).toBe('unprivileged-scan');
      expect(ocsf.received.map((r) => (JSON.parse(r.text) as Ocsf[]).length)).toEqual([1, 2]);
      expect(ocsf.received.every((r) => r.headers.authorization === 'Bearer ocsf-bearer-token')).toBe(true);

      expect(await round(3.5)).toMatchObject({ sent: 0, failed: 0 }); // next try 2 minutes after the second failure
      expect(ocsf.received).toHaveLength(2);

      // restart: what waits in the outbox is still there
      await srv.close();
      srv = await startClocked(config);
      ocsfStatus = 200;
      const later = await round(12);
      expect(later).toMatchObject({ sent: 2 });
      const events = ocsfEvents();
      expect(events.map((e) => e.finding_info.uid)).toEqual([expect.stringMatching(/^ratwatch-alert:\d+$/), 'anydesk:running']);
      const det = events.find((e) => e.finding_info.uid === 'anydesk:running')!;
      expect(det).toMatchObject({
        class_uid: 2004,
        activity_id: 1,
        is_alert: true,
        metadata: { version: '1.8.0' },
        device: { hostname: 'siem-1' },
      });
      const alert = events.find((e) => e.finding_info.uid !== 'anydesk:running')!;
      expect(alert).toMatchObject({ class_uid: 2004, finding_info: { analytic: { uid: 'unprivileged-scan' } } });
      expect(await srv.store.siemCounts()).toEqual({
        'ocsf-lake': { waiting: 0, dead: 0, delivered: 2, dropped: 0, oldestWaitingAt: null },
        splunk: { waiting: 0, dead: 0, delivered: 3, dropped: 0, oldestWaitingAt: null },
      });
      expect(await round(14)).toMatchObject({ enqueued: 0, sent: 0 });
    });

    it('sends a resolved finding as a Close, once, with two instances running rounds at the same time', async () => {
      const a = new SimAgent('laptop-siem2', 'siem-2');
      await srv.store.ingest([item(a.next([finding('rustdesk:running')], at(20)), '198.51.100.10', at(20))], 3600);
      await srv.store.ingest([item(a.next([], at(21)), '198.51.100.10', at(21))], 3600);
      const before = { ocsf: ocsfEvents().length, hec: hec.indexed.length };
      const other = new PeriodicJobs({
        store: srv.store,
        now: () => clock,
        intervalMs: 60_000,
        retentionDays: 90,
        log: () => undefined,
        siemRound: (now, budget) =>
          siemRound({ store: srv.store, sinks: createSiemSinks(config.siem!, VERSION), log: () => undefined }, now, budget),
      });
      clock = at(30);
      const [x, y] = await Promise.all([srv.jobs.round(), other.round()]);
      expect([x.ran.includes('siem-forwarding'), y.ran.includes('siem-forwarding')].filter(Boolean)).toHaveLength(1);
      await round(32);
      const ocsfNew = ocsfEvents().slice(before.ocsf);
      expect(ocsfNew.map((e) => `${e.finding_info.uid}:${e.activity_id}`).sort()).toEqual(['rustdesk:running:1', 'rustdesk:running:3']);
      const ids = hecIds();
      expect(new Set(ids).size).toBe(ids.length);
      expect(
        hec.indexed
          .slice(before.hec)
          .map((e) => (e.event as { action?: string }).action)
          .filter(Boolean),
      ).toEqual(['new', 'resolved']);
    });

    it('keeps an event the HEC refuses for good, sends the rest of its batch, and names why', async () => {
      const logs: string[] = [];
      const sinks = createSiemSinks(
        [{ type: 'splunk-hec', name: 'splunk', url: hec.url, caFile: certs.caFile, token: HEC_TOKEN, index: 'security' }],
        VERSION,
      );
      hec.opts.badEvent = (e) => e.sourcetype === 'ratwatch:report';
      const a = new SimAgent('laptop-siem3', 'siem-3');
      await srv.store.ingest([item(a.next([finding('ngrok:running')], at(40)), '198.51.100.11', at(40))], 3600);
      const before = hec.indexed.length;
      const r = await siemRound({ store: srv.store, sinks, log: (l) => logs.push(l) }, at(42), 10_000);
      hec.opts.badEvent = undefined;
      expect(r.sent).toBe(1);
      expect(hec.indexed.slice(before).map((e) => e.sourcetype)).toEqual(['ratwatch:finding']);
      expect(logs.join('\n')).toMatch(
        /siem splunk: 1 event\(s\) refused for good, kept in the outbox: POST https:\/\/127\.0\.0\.1:\d+ answered HTTP 400/,
      );
      expect((await srv.store.siemCounts()).splunk).toMatchObject({ waiting: 0, dead: 1, dropped: 0, oldestWaitingAt: null });
    });
  });
}
