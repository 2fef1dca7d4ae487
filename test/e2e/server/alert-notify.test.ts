import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.ts';
import { CORE_ALERT_RULES } from '../../../server/vocabulary.ts';
import { smtpSink, subjectOf, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { request } from '../../helpers/server/http.ts';
import { loopbackConfig, startClocked } from '../../helpers/server/loopback-server.ts';
import { httpSink, type HttpSink } from '../../helpers/server/notify-sinks.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

// Liveness and tamper alerts reach the notifiers the way farm alerts do: the real server on 127.0.0.1,
// a local webhook sink and a local SMTP server; each new or reopened alert is sent once, whatever the
// number of periodic rounds.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-01T08:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

for (const kind of STORE_KINDS) {
  describe(`liveness and tamper alerts to the notifiers on ${kind}`, { timeout: 300_000 }, () => {
    let srv: RunningServer;
    let hook: HttpSink;
    let mail: SmtpSink;
    let clock = T0;

    beforeAll(async () => {
      const db = await freshDatabase(kind);
      hook = await httpSink();
      mail = await smtpSink();
      writeFileSync(join(db.dataDir, 'hmac.key'), 'alert-test-hmac-key-0123456789\n', { mode: 0o600 });
      srv = await startClocked(
        loopbackConfig(db, {
          hmacKeyFile: join(db.dataDir, 'hmac.key'),
          defaultIntervalS: 600,
          now: () => clock,
          notifiers: [
            { type: 'webhook', url: `${hook.url}/alerts`, secret: 'webhook-secret-0123456789', retries: 0 },
            {
              type: 'email',
              host: '127.0.0.1',
              port: mail.port,
              tls: 'none',
              from: 'ratwatch@corp.example',
              to: ['it@corp.example'],
              retries: 0,
            },
          ],
        }),
      ); // rounds are run by the test, on the test's clock
    }, 200_000);
    afterAll(async () => {
      await srv?.close();
      await hook?.close();
      await mail?.close();
    });

    const webhookRules = () =>
      hook.received.map(
        (r) => JSON.parse(r.body) as { rule: string; subject: string; severity: string; explanation: Record<string, unknown> },
      );
    const round = async (at: Date) => {
      clock = at; // a minute or more after the last round: past its leases
      return srv.jobs.round();
    };

    it('sends a sequence gap, a downgrade, an unprivileged scan and a bad signature once each', async () => {
      const a = new SimAgent('laptop-tamper', 'tamper-1');
      await srv.store.ingest([item(a.next([], minutes(0)), '198.51.100.7', minutes(0))], 600);
      a.next([], minutes(1)); // report 2 never arrives
      const r3 = a.next([], minutes(2), { privileged: false } as never);
      await srv.store.ingest([item({ ...r3, agentVersion: '0.0.9', privileged: false }, '198.51.100.7', minutes(2))], 600);

      // a report whose signature does not verify, through HTTP (the handler records it)
      const enrolled = await request(`${srv.url}/v1/enroll`, {
        body: JSON.stringify({ enrollSecret: srv.enrollSecret, agentId: 'laptop-tamper', hostname: 'tamper-1' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(enrolled.status, enrolled.text).toBe(200);
      const forged = await request(srv.ingestUrl, {
        body: item(a.next([], minutes(3))).body,
        headers: {
          authorization: `Bearer ${enrolled.json().key}`,
          'x-ratwatch-agent-id': 'laptop-tamper',
          'x-ratwatch-report-id': '00000000-0000-4000-8000-000000000001',
          'x-ratwatch-sequence': '4',
          'x-ratwatch-report-kind': 'heartbeat',
          'x-ratwatch-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-ratwatch-signature': `v2=${'0'.repeat(64)}`,
        },
      });
      expect(forged.status).toBe(401);
      expect(hook.received).toHaveLength(0); // stored, not yet sent: the periodic round sends

      const r = await round(minutes(4));
      expect(r.notified).toBe(4);
      expect(
        webhookRules()
          .map((x) => x.rule)
          .sort(),
      ).toEqual(['agent-downgrade', 'bad-signature', 'sequence-gap', 'unprivileged-scan']);
      for (const x of webhookRules()) {
        expect(x.subject).toBe('laptop-tamper');
        expect(CORE_ALERT_RULES).toContain(x.rule);
      }
      expect(webhookRules().find((x) => x.rule === 'sequence-gap')!.explanation).toMatchObject({
        kind: 'sequence-gap',
        missingFrom: 2,
        missingTo: 2,
      });
      expect(mail.mails).toHaveLength(4);
      expect(mail.mails.map((m) => subjectOf(m.raw)).sort()[0]).toMatch(
        /^\[ratwatch\] HIGH agent-downgrade: ratwatch on tamper-1 was downgraded from 0.1.0 to 0.0.9$/,
      );
      expect(mail.mails.find((m) => /sequence-gap/.test(subjectOf(m.raw)))!.raw).toMatch(
        /Host tamper-1\r?\nAgent laptop-tamper\r?\nmissingFrom: 2\r?\nmissingTo: 2/,
      );

      // again: nothing new to say
      expect((await round(minutes(5))).notified).toBe(0);
      expect(hook.received).toHaveLength(4);
    });

    it('sends offline after 3 missed intervals and silent after 24 h, once each, and a reopened alert again', async () => {
      const before = hook.received.length;
      const b = new SimAgent('laptop-quiet', 'quiet-1');
      await srv.store.ingest([item(b.next([], minutes(0)), '198.51.100.8', minutes(0))], 600);
      expect((await round(minutes(20))).notified).toBe(0); // 2 intervals: still online
      await round(minutes(31));
      await round(minutes(45));
      const offline = webhookRules()
        .slice(before)
        .filter((x) => x.subject === 'laptop-quiet');
      expect(offline.map((x) => x.rule)).toEqual(['agent-offline']);
      await round(minutes(24 * 60 + 1));
      await round(minutes(24 * 60 + 30));
      const quiet = webhookRules()
        .slice(before)
        .filter((x) => x.subject === 'laptop-quiet');
      expect(quiet.map((x) => x.rule)).toEqual(['agent-offline', 'agent-silent']);
      expect(quiet[1].severity).toBe('high');

      // closed by a person, then the host goes offline again: the alert reopens and is sent once more
      const offlineAlert = (await srv.store.listAlerts({ rule: 'agent-offline', limit: 10, offset: 0 })).find(
        (x) => x.subject === 'laptop-quiet',
      )!;
      expect(await srv.store.setAlertStatus(offlineAlert.id, 'closed', 'admin', minutes(24 * 60 + 31).toISOString())).toBe(true);
      await srv.store.ingest([item(b.next([], minutes(24 * 60 + 40)), '198.51.100.8', minutes(24 * 60 + 40))], 600);
      await round(minutes(24 * 60 + 80));
      await round(minutes(24 * 60 + 90));
      const again = webhookRules()
        .slice(before)
        .filter((x) => x.subject === 'laptop-quiet')
        .map((x) => x.rule);
      expect(again).toEqual(['agent-offline', 'agent-silent', 'agent-offline']);
      expect(mail.mails.filter((m) => /quiet-1/.test(subjectOf(m.raw)))).toHaveLength(3);
    });
  });
}
