import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.ts';
import type { AlertInput } from '../../../server/store/types.ts';
import type { NotifierConfig } from '../../../server/notify/types.ts';
import { ConsoleClient } from '../../helpers/console-client.ts';
import { basic, request } from '../../helpers/server/http.ts';
import { loopbackConfig, startClocked } from '../../helpers/server/loopback-server.ts';
import { deadPort, httpSink, type HttpSink, type Received } from '../../helpers/server/notify-sinks.ts';
import { smtpSink, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS, type StoreKind } from '../../helpers/server/stores.ts';

// A notification a notifier did not take is tried again in later rounds (server/notify/README.md,
// "Delivery"): the real server on 127.0.0.1, a webhook receiver answering 503 for a while, an SMTP relay
// answering 451 once, and a Slack-compatible webhook on a port nobody listens on. Rounds run on the test's
// clock; each notifier counts its own success, and the one that stays down is given up, visibly.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-01T08:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const draft: AlertInput = {
  rule: 'agent-offline',
  subject: 'laptop-down',
  severity: 'high',
  title: 'laptop-down stopped reporting',
  explanation: { kind: 'offline', hostname: 'down-1' },
  agentIds: ['laptop-down'],
};
const hookId = (r: Received) => decodeURIComponent(String(r.headers['x-ratwatch-notification-id']));
const mailId = (raw: string) => /^X-Ratwatch-Notification-Id: (.*)$/im.exec(raw)?.[1];

/** The console's alerts page as the first admin sees it. */
async function consolePage(s: RunningServer): Promise<string> {
  const c = new ConsoleClient(s.url);
  expect((await c.login(s.firstAdmin!.name, s.firstAdmin!.password)).status).toBe(303);
  return c.text('/alerts');
}

function retrySuite(kind: StoreKind): void {
  let srv: RunningServer | undefined;
  let hook: HttpSink | undefined;
  let mail: SmtpSink | undefined;
  const logs: string[] = [];
  let clock = T0;
  afterEach(async () => {
    await srv?.close();
    await hook?.close();
    await mail?.close();
    logs.length = 0;
    clock = T0;
  });

  /** A server on a fresh database with these notifiers; rounds run when the test says, on the test's clock. */
  async function start(notifiers: NotifierConfig[]): Promise<RunningServer> {
    const db = await freshDatabase(kind);
    srv = await startClocked(loopbackConfig(db, { now: () => clock, log: (l) => logs.push(l), notifiers }));
    return srv;
  }

  it(`${kind}: a sink that refuses for a while gets the alert once it recovers, the others once, and one that stays down is given up`, async () => {
    hook = await httpSink([503, 503, 200]);
    mail = await smtpSink({}, 1);
    const down = await deadPort();
    const s = await start([
      { type: 'webhook', name: 'hook', url: `${hook.url}/alerts`, secret: 'alert-retry-webhook-secret-0123', retries: 0 },
      {
        type: 'email',
        name: 'mail',
        host: '127.0.0.1',
        port: mail.port,
        tls: 'none',
        from: 'rw@corp.example',
        to: ['it@corp.example'],
        retries: 0,
      },
      { type: 'slack', name: 'chat', url: `http://127.0.0.1:${down}/services/T0/B0/secret`, retries: 0, giveUpAfterMs: 600_000 },
    ]);
    const { id } = await s.store.upsertAlert(draft, T0.toISOString());
    const notification = `alert:${id}:${T0.toISOString()}`;
    const round = async (m: number) => {
      clock = minutes(m);
      return (await s.jobs.round()).notified;
    };

    expect(await round(0)).toBe(0); // all three refused: waiting 1 min
    expect([hook.received.length, mail.mails.length]).toEqual([1, 0]);
    expect(await round(0.5)).toBe(0); // nothing due yet: no sink hears anything
    expect([hook.received.length, mail.mails.length]).toEqual([1, 0]);
    await round(1); // mail taken; the webhook refuses again (2 min), chat too
    expect([hook.received.length, mail.mails.length]).toEqual([2, 1]);
    await round(3); // the webhook takes it
    expect(hook.received).toHaveLength(3);
    await round(7);
    await round(15); // chat, first refused at 0, is past its 10 min: given up
    await round(60);
    await round(24 * 60);

    expect(hook.received.map(hookId)).toEqual([notification, notification, notification]);
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
    expect(mail.mails.map((m) => mailId(m.raw))).toEqual([notification]);
    const refused = (who: string, wait: number) =>
      new RegExp(`^ratwatch-server: alert ${id} not delivered: ${who}: .*; next try in ${wait} s$`);
    // Per notifier: its sends of one round run at once, so the lines of a round come in any order.
    const linesOf = (who: string) => logs.filter((l) => l.includes(` not delivered: ${who}: `));
    expect(linesOf('hook')).toEqual([expect.stringMatching(refused('hook', 60)), expect.stringMatching(refused('hook', 120))]);
    expect(linesOf('mail')).toEqual([expect.stringMatching(refused('mail', 60))]);
    expect(linesOf('chat')).toEqual([
      ...[60, 120, 240, 480].map((w) => expect.stringMatching(refused('chat', w))),
      expect.stringMatching(
        new RegExp(
          `^ratwatch-server: alert ${id} not delivered: chat: POST http://127\\.0\\.0\\.1:${down} failed: ECONNREFUSED; given up after 5 sends since ${T0.toISOString()} \\(see GET /api/notifications\\)$`,
        ),
      ),
    ]);
    expect(logs).toHaveLength(8);
    expect(logs.join('\n')).not.toContain('secret');

    const auth = basic(s.firstAdmin!.name, s.firstAdmin!.password);
    const get = async (path: string) => {
      const r = await request(`${s.url}/api${path}`, { headers: { authorization: auth } });
      expect(r.status).toBe(200);
      return r.json();
    };
    const mine = (await get(`/alerts/${id}/notifications`)).notifications;
    expect(mine).toEqual([
      {
        notificationId: notification,
        notifier: 'hook',
        state: 'delivered',
        attempts: 3,
        nextAttemptAt: null,
        deliveredAt: minutes(3).toISOString(),
        gaveUpAt: null,
        lastError: expect.stringContaining('answered HTTP 503'),
      },
      {
        notificationId: notification,
        notifier: 'mail',
        state: 'delivered',
        attempts: 2,
        nextAttemptAt: null,
        deliveredAt: minutes(1).toISOString(),
        gaveUpAt: null,
        lastError: expect.stringContaining('451'),
      },
      {
        notificationId: notification,
        notifier: 'chat',
        state: 'gave-up',
        attempts: 5,
        nextAttemptAt: null,
        deliveredAt: null,
        gaveUpAt: minutes(15).toISOString(),
        lastError: expect.stringContaining('ECONNREFUSED'),
      },
    ]);
    expect((await get('/notifications')).notifiers).toEqual({
      hook: { waiting: 0, delivered: 1, gaveUp: 0, oldestWaitingAt: null },
      mail: { waiting: 0, delivered: 1, gaveUp: 0, oldestWaitingAt: null },
      chat: { waiting: 0, delivered: 0, gaveUp: 1, oldestWaitingAt: null },
    });
    expect((await request(`${s.url}/api/alerts/x/notifications`, { headers: { authorization: auth } })).status).toBe(400);
    // the console's alerts page names the notifier that never got it, and only that one
    const page = await consolePage(s);
    expect(page).toContain('not delivered to chat: given up');
    expect(page).toContain('ECONNREFUSED');
    expect(page).not.toMatch(/delivered to (hook|mail)/);
  });

  it(`${kind}: a notifier that failed in a round is not sent that round's other alerts; those are given up unsent when too old`, async () => {
    hook = await httpSink([503]);
    const s = await start([
      {
        type: 'webhook',
        name: 'hook',
        url: `${hook.url}/alerts`,
        secret: 'alert-retry-webhook-secret-0123',
        retries: 0,
        giveUpAfterMs: 600_000,
      },
    ]);
    const a = (await s.store.upsertAlert(draft, T0.toISOString())).id;
    const b = (await s.store.upsertAlert({ ...draft, subject: 'laptop-other' }, T0.toISOString())).id;
    const sent = () => hook!.received.map((r) => r.headers['x-ratwatch-alert-id']);
    await s.jobs.round(); // a fails; b waits for the next round
    expect(sent()).toEqual([String(a)]);
    clock = minutes(0.5); // a is not due yet, b is
    await s.jobs.round();
    expect(sent()).toEqual([String(a), String(b)]);
    clock = minutes(15); // both past 10 min: a fails and is given up, b is given up without a send
    await s.jobs.round();
    expect(sent()).toEqual([String(a), String(b), String(a)]);
    expect((await s.store.alertNotifications([a, b])).map((r) => [r.alertId, r.attempts, r.gaveUpAt])).toEqual([
      [a, 2, minutes(15).toISOString()],
      [b, 1, minutes(15).toISOString()],
    ]);
    expect(logs.filter((l) => l.includes('given up'))).toEqual([
      expect.stringMatching(new RegExp(`^ratwatch-server: alert ${a} not delivered: hook: .*; given up after 2 sends since`)),
      expect.stringMatching(new RegExp(`^ratwatch-server: alert ${b} not delivered: hook: .*; given up after 1 sends since`)),
    ]);
    expect((await s.store.alertNotificationCounts()).hook).toEqual({ waiting: 0, delivered: 0, gaveUp: 2, oldestWaitingAt: null });
  });

  it(`${kind}: a notification waiting for its next try shows when, and a reopening makes a new one beside it`, async () => {
    hook = await httpSink([503]);
    const s = await start([
      { type: 'webhook', name: 'hook', url: `${hook.url}/alerts`, secret: 'alert-retry-webhook-secret-0123', retries: 0 },
    ]);
    const { id } = await s.store.upsertAlert(draft, T0.toISOString());
    await s.jobs.round();
    expect(await s.store.setAlertStatus(id, 'closed', 'admin', minutes(0.2).toISOString())).toBe(true);
    await s.store.upsertAlert(draft, minutes(0.4).toISOString());
    clock = minutes(0.5);
    await s.jobs.round(); // the reopened alert's notification is sent; the first one is not due yet
    expect(hook.received.map(hookId)).toEqual([`alert:${id}:${T0.toISOString()}`, `alert:${id}:${minutes(0.5).toISOString()}`]);
    expect((await s.store.alertNotifications([id])).map((r) => [r.notifiedAt, r.attempts, r.nextAttemptAt])).toEqual([
      [T0.toISOString(), 1, minutes(1).toISOString()],
      [minutes(0.5).toISOString(), 1, minutes(1.5).toISOString()],
    ]);
    const page = await consolePage(s); // the newest notification only
    expect(page).toContain(`not yet delivered to hook: next try at <time datetime="${minutes(1.5).toISOString()}">`);
    expect(page).not.toContain(minutes(1).toISOString());
    expect((await s.store.alertNotificationCounts()).hook).toEqual({
      waiting: 2,
      delivered: 0,
      gaveUp: 0,
      oldestWaitingAt: T0.toISOString(),
    });
  });
}

describe('alert notifications retried across rounds', { timeout: 300_000 }, () => {
  for (const kind of STORE_KINDS) retrySuite(kind);
});
