// Alert states through both doors of the real ratwatch-server process (HTTPS on 127.0.0.1, SQLite and
// PostgreSQL): every move from every state through the JSON API (Basic and API token) and through the
// console's forms (session and CSRF token), who may make them, the audit entries, two admins at once, and
// the rule reopening a closed alert when it fires again. The alert is a real one: an enrolled agent's
// report saying its scan was not privileged. On the same server: the office allow-list's range checks
// (server/farm/net.ts) through the console form, and the server's stderr log escaping hostile text.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReport } from '../../../agent/report/encode.ts';
import { ALERT_TRANSITIONS } from '../../../server/alerts/status.ts';
import type { AlertStatus } from '../../../server/vocabulary.ts';
import { ConsoleClient } from '../../helpers/console-client.ts';
import { addUser, startConsoleServer, VIEWER, type ConsoleServer } from '../../helpers/console-server.ts';
import { basic, request, type Answer } from '../../helpers/server/http.ts';
import { SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

afterAll(() => cleanupDatabases());

// The policy, written out here as the spec the module must match (README: server/alerts/README.md).
const ALLOWED: Record<AlertStatus, AlertStatus[]> = {
  open: ['acknowledged', 'closed'],
  acknowledged: ['open', 'closed'],
  closed: ['open'],
};
const AUDIT: Record<AlertStatus, string> = { open: 'alert.reopened', acknowledged: 'alert.acknowledged', closed: 'alert.closed' };
const FORM: Record<AlertStatus, string> = { open: 'reopen', acknowledged: 'ack', closed: 'close' };
const STATES: AlertStatus[] = ['open', 'acknowledged', 'closed'];

interface Alert {
  id: number;
  rule: string;
  subject: string;
  status: AlertStatus;
  occurrences: number;
  ackBy: string | null;
  closedBy: string | null;
}

for (const kind of STORE_KINDS) {
  describe(`alert states on ${kind}`, { timeout: 300_000 }, () => {
    let s: ConsoleServer;
    let admin: ConsoleClient;
    let adminToken: string;
    let viewerToken: string;
    let agentKey: string;
    const agent = new SimAgent('unpriv-1', 'laptop-unpriv');
    let alertId = 0;

    const api = (path: string, o: { auth?: string; body?: unknown } = {}): Promise<Answer> =>
      request(`${s.url}/api${path}`, {
        caFile: s.caFile,
        headers: { authorization: o.auth ?? `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(o.body === undefined ? {} : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
      });
    const alert = async (): Promise<Alert> => (await api('/alerts')).json().alerts.find((a: Alert) => a.id === alertId);
    const audit = async (): Promise<Array<{ actor: string; action: string; target: string; detail: Record<string, unknown> }>> =>
      (await api('/audit')).json().audit;
    /** Sends one report of the agent saying its scan ran without root: the unprivileged-scan rule fires. */
    const unprivilegedReport = async () => {
      const r = await request(`${s.url}/v1/reports`, {
        body: gzipSync(encodeReport(agent.next([], new Date(), { privileged: false }), 'native')),
        caFile: s.caFile,
        headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      expect(r.status, r.text).toBe(200);
    };
    /** Brings the alert to `to` through the API along allowed moves (closed -> acknowledged goes by open). */
    const bring = async (to: AlertStatus) => {
      for (let i = 0; i < 2 && (await alert()).status !== to; i++) {
        const from = (await alert()).status;
        const step = ALLOWED[from].includes(to) ? to : 'open';
        expect((await api(`/alerts/${alertId}`, { body: { status: step } })).status).toBe(200);
      }
      expect((await alert()).status).toBe(to);
    };
    /** The console's answer to a form: the flash shown on the page it redirects to. */
    const consoleMove = async (client: ConsoleClient, to: AlertStatus, note?: string) => {
      const res = await client.request(`/alerts/${alertId}/${FORM[to]}`, {
        form: { _csrf: await client.csrf('/'), ...(note ? { note } : {}) },
      });
      if (res.status !== 303) return { status: res.status, flash: '' };
      const page = await client.text(res.headers.location!);
      const flash = /<p class="flash (?:ok|error)" role="(?:status|alert)">([^<]*)<\/p>/.exec(page)?.[1] ?? '';
      return { status: res.status, flash, ok: page.includes('class="flash ok"') };
    };

    beforeAll(async () => {
      const db = kind === 'postgres' ? await freshDatabase(kind) : undefined;
      s = await startConsoleServer(db?.postgresUrl ? { databaseUrl: db.postgresUrl } : {});
      admin = await s.adminClient();
      await addUser(admin, VIEWER.username, 'viewer', VIEWER.password);
      const token = async (auth: string) => (await api('/tokens', { auth, body: { name: 'test' } })).json().token as string;
      adminToken = await token(basic(s.admin.username, s.admin.password));
      viewerToken = await token(basic(VIEWER.username, VIEWER.password));
      const e = await request(`${s.url}/v1/enroll`, {
        body: JSON.stringify({ enrollSecret: s.enrollSecret, agentId: agent.agentId, hostname: agent.hostname }),
        caFile: s.caFile,
      });
      expect(e.status, e.text).toBe(200);
      agentKey = e.json().key;
      await unprivilegedReport();
      const alerts: Alert[] = (await api('/alerts')).json().alerts;
      alertId = alerts.find((a) => a.rule === 'unprivileged-scan' && a.subject === agent.agentId)!.id;
      expect((await alert()).status).toBe('open');
    }, 240_000);
    afterAll(async () => s?.close());

    it('the module allows exactly the moves this spec names', () => {
      expect(ALERT_TRANSITIONS).toEqual(ALLOWED);
    });

    for (const door of ['api', 'console'] as const) {
      it(`${door}: every move from every state is made or refused as the spec says, and audited once when made`, async () => {
        for (const from of STATES) {
          for (const to of STATES) {
            await bring(from);
            const before = await audit();
            const note = `${door} ${from}->${to}`;
            let made: boolean;
            if (door === 'api') {
              const r = await api(`/alerts/${alertId}`, { body: { status: to, note } });
              expect([200, 409], `${from}->${to}: ${r.text}`).toContain(r.status);
              made = r.status === 200;
              if (!made) expect(r.json().error).toMatch(from === to ? `already ${from}` : /cannot/);
            } else {
              const r = await consoleMove(admin, to, note);
              expect(r.status, `${from}->${to}`).toBe(303);
              made = r.ok === true;
              expect(r.flash, `${from}->${to}`).toMatch(
                made ? /^Alert (acknowledged|closed|reopened)\.$/ : from === to ? `already ${from}` : /cannot/,
              );
            }
            expect(made, `${door} ${from}->${to}`).toBe(ALLOWED[from].includes(to));
            const after = await audit();
            const a = await alert();
            if (made) {
              expect(a.status).toBe(to);
              expect(after).toHaveLength(before.length + 1);
              expect(after[0]).toMatchObject({
                actor: s.admin.username,
                action: AUDIT[to],
                target: `alert:${alertId}`,
                detail: { from, to, rule: 'unprivileged-scan', subject: agent.agentId, note },
              });
              if (to === 'acknowledged') expect(a.ackBy).toBe(s.admin.username);
              if (to === 'closed') expect(a.closedBy).toBe(s.admin.username);
              if (to === 'open') expect([a.ackBy, a.closedBy]).toEqual([null, null]);
            } else {
              expect(a.status).toBe(from);
              expect(after).toHaveLength(before.length);
            }
          }
        }
      });
    }

    it('shows an admin one form per allowed move, a viewer none', async () => {
      await bring('acknowledged');
      const page = await admin.text('/alerts');
      expect(page).toContain(`/alerts/${alertId}/reopen"`);
      expect(page).toContain(`/alerts/${alertId}/close"`);
      expect(page).not.toContain(`/alerts/${alertId}/ack"`);
      const viewer = new ConsoleClient(s.url, s.caFile);
      expect((await viewer.login(VIEWER.username, VIEWER.password)).status).toBe(303);
      expect(await viewer.text('/alerts')).not.toMatch(new RegExp(`/alerts/${alertId}/(ack|close|reopen)"`));
    });

    it('lets only admins move alerts: a viewer is refused by name and password, by token and in the console', async () => {
      await bring('open');
      const before = (await audit()).length;
      for (const auth of [basic(VIEWER.username, VIEWER.password), `Bearer ${viewerToken}`]) {
        const r = await api(`/alerts/${alertId}`, { auth, body: { status: 'acknowledged' } });
        expect(r.status).toBe(403);
        expect(r.json().error).toBe('admin role required');
      }
      expect((await api(`/alerts/${alertId}`, { auth: 'Bearer rwt_not-a-real-token-at-all', body: { status: 'closed' } })).status).toBe(
        401,
      );
      const viewer = new ConsoleClient(s.url, s.caFile);
      expect((await viewer.login(VIEWER.username, VIEWER.password)).status).toBe(303);
      for (const to of STATES) expect((await consoleMove(viewer, to)).status, to).toBe(403);
      expect((await alert()).status).toBe('open');
      expect(await audit()).toHaveLength(before);
      // an admin's API token acts as that admin
      expect((await api(`/alerts/${alertId}`, { body: { status: 'acknowledged' } })).status).toBe(200);
      expect((await audit())[0]).toMatchObject({ actor: s.admin.username, action: 'alert.acknowledged' });
    });

    it('refuses bad requests clearly and keeps a hostile note escaped in the audit log', async () => {
      await bring('open');
      const bad = async (path: string, body: unknown, status: number, error: RegExp) => {
        const r = await api(path, { body });
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(status);
        expect(r.json().error).toMatch(error);
      };
      await bad(`/alerts/${alertId}`, { status: 'resolved' }, 400, /one of open, acknowledged, closed/);
      await bad(`/alerts/${alertId}`, {}, 400, /one of open/);
      await bad(`/alerts/${alertId}`, 'null', 400, /JSON object/);
      await bad(`/alerts/${alertId}`, '[1]', 400, /JSON object/);
      await bad(`/alerts/${alertId}`, { status: 'closed', note: 'x'.repeat(501) }, 400, /at most 500/);
      await bad(`/alerts/${alertId}`, { status: 'closed', note: 7 }, 400, /note must be a string/);
      await bad('/alerts/999999', { status: 'closed' }, 404, /No such alert/);
      await bad('/alerts/abc', { status: 'closed' }, 404, /No such alert/);
      const r = await consoleMove(admin, 'closed');
      expect(r.ok).toBe(true);
      const res = await admin.request('/alerts/999999/reopen', { form: { _csrf: await admin.csrf('/') } });
      expect(await admin.text(res.headers.location!)).toContain('No such alert.');
      await bring('open');
      const hostile = 'false positive\u001b[2J\r\nforged line\u202e';
      expect((await api(`/alerts/${alertId}`, { body: { status: 'closed', note: hostile } })).status).toBe(200);
      expect((await audit())[0].detail.note).toBe('false positive\\x1b[2J\\r\\nforged line\\u202e');
    });

    it('two admins acting at once: one move is made and audited, the other is told the alert changed', async () => {
      await bring('open');
      const before = (await audit()).length;
      const [x, y] = await Promise.all([
        api(`/alerts/${alertId}`, { body: { status: 'acknowledged' } }),
        consoleMove(admin, 'acknowledged'),
      ]);
      // whichever order they land in, the second finds the alert acknowledged already (or moved under it)
      const made = [x.status === 200, y.ok === true];
      expect(made.filter(Boolean)).toHaveLength(1);
      expect(made[0] ? y.flash : x.json().error).toMatch(/changed meanwhile|already acknowledged/);
      expect(await audit()).toHaveLength(before + 1);
      expect((await alert()).status).toBe('acknowledged');
    });

    it('office allow-list: 0.0.0.0/0 and ::/0 are refused; an IPv6 range does not hide IPv4 hosts sharing an address', async () => {
      const ip = '81.2.3.4';
      for (const n of [1, 2, 3]) {
        const a = new SimAgent(`shared-${n}`, `shared-${n}`);
        const e = await request(`${s.url}/v1/enroll`, {
          body: JSON.stringify({ enrollSecret: s.enrollSecret, agentId: a.agentId, hostname: a.hostname }),
          caFile: s.caFile,
        });
        const r = await request(`${s.url}/v1/reports`, {
          body: gzipSync(encodeReport(a.next([]), 'native')),
          caFile: s.caFile,
          headers: { authorization: `Bearer ${e.json().key}`, 'content-encoding': 'gzip', 'x-forwarded-for': ip },
        });
        expect(r.status, r.text).toBe(200);
      }
      const add = async (value: string) => {
        const res = await admin.request('/settings/office', { form: { _csrf: await admin.csrf('/settings'), kind: 'cidr', value } });
        expect(res.status).toBe(303);
        return /<p class="flash (ok|error)" role="(?:status|alert)">([^<]*)<\/p>/.exec(await admin.text(res.headers.location!))!.slice(1);
      };
      const grouped = async () => (await admin.text('/groups')).includes(ip);
      expect((await admin.request('/groups/evaluate', { form: { _csrf: await admin.csrf('/groups') } })).status).toBe(303);
      expect(await grouped()).toBe(true);
      expect(await add('0.0.0.0/0')).toEqual(['error', '&quot;0.0.0.0/0&quot; is wider than /8: it would allow-list every IPv4 address.']);
      expect(await add('::/0')).toEqual(['error', '&quot;::/0&quot; is wider than /16: it would allow-list every IPv6 address.']);
      expect(await add('::ffff:0:0/96')).toEqual(['ok', 'Office network ::ffff:0:0/96 added.']);
      expect(await add('::/16')).toEqual(['ok', 'Office network ::/16 added.']);
      expect(await grouped()).toBe(true); // each add evaluated the farm rules again: the IPv4 group is still there
      expect(await add('81.2.3.0/24')).toEqual(['ok', 'Office network 81.2.3.0/24 added.']);
      expect(await grouped()).toBe(false);
      const office = (await audit()).filter((e) => e.action === 'office.add').map((e) => e.target);
      expect(office.slice(0, 3)).toEqual(['cidr:81.2.3.0/24', 'cidr:::/16', 'cidr:::ffff:0:0/96']);
    });

    it("escapes hostile text in the server's log: a sign-in name with C1 and bidi controls", async () => {
      const client = new ConsoleClient(s.url, s.caFile);
      expect((await client.login('mallory\u009b31m\u202egnp.exe', 'wrong password')).status).toBe(401);
      for (let i = 0; i < 50 && !s.proc.stderr().includes('failed sign-in for "mallory'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(s.proc.stderr()).toContain('console: failed sign-in for "mallory\\x9b31m\\u202egnp.exe" from 127.0.0.1');
      expect(s.proc.stderr()).not.toMatch(/[\u0080-\u009f\u202e]/);
    });

    it('the rule reopens a closed alert when it fires again; an acknowledged one stays acknowledged', async () => {
      await bring('closed');
      const n = (await alert()).occurrences;
      await unprivilegedReport();
      expect(await alert()).toMatchObject({ status: 'open', occurrences: n + 1, ackBy: null, closedBy: null });
      await bring('acknowledged');
      await unprivilegedReport();
      expect(await alert()).toMatchObject({ status: 'acknowledged', occurrences: n + 2, ackBy: s.admin.username });
    });
  });
}
