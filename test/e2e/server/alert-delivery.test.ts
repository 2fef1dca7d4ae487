import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.ts';
import type { WebhookConfig } from '../../../server/notify/index.ts';
import type { AlertInput } from '../../../server/store/types.ts';
import { waitFor } from '../../helpers/procs.ts';
import { loopbackConfig, startClocked } from '../../helpers/server/loopback-server.ts';
import { httpSink, type HttpSink, type Received } from '../../helpers/server/notify-sinks.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS, type StoreKind } from '../../helpers/server/stores.ts';

// How often a webhook receiver gets one alert when its answer is slow (server/notify/README.md, "Delivery"):
// the real server on 127.0.0.1 and a local sink that holds its answer back. A delivery in flight is never
// claimed again by another round; the alert is posted again only after an attempt got no answer in time.

afterAll(() => cleanupDatabases());

const T0 = new Date('2026-12-01T08:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const SECRET = 'alert-delivery-webhook-secret-0123';
const draft: AlertInput = {
  rule: 'agent-offline',
  subject: 'laptop-slow',
  severity: 'high',
  title: 'laptop-slow stopped reporting',
  explanation: { kind: 'offline', hostname: 'slow-1' },
  agentIds: ['laptop-slow'],
};

function deliverySuite(kind: StoreKind): void {
  let srv: RunningServer | undefined;
  let hook: HttpSink | undefined;
  const logs: string[] = [];
  let clock = T0;
  afterEach(async () => {
    await srv?.close();
    await hook?.close();
    logs.length = 0;
    clock = T0;
  });

  /** A server whose only notifier is a webhook to `sink`; rounds run when the test says, on the test's clock. */
  async function start(sink: HttpSink, delivery: Pick<WebhookConfig, 'timeoutMs' | 'retries'>): Promise<RunningServer> {
    hook = sink;
    const db = await freshDatabase(kind);
    srv = await startClocked(
      loopbackConfig(db, {
        now: () => clock,
        log: (l) => logs.push(l),
        notifiers: [{ type: 'webhook', name: 'hook', url: `${sink.url}/alerts`, secret: SECRET, backoffMs: 5, ...delivery }],
      }),
    );
    return srv;
  }

  it(`${kind}: a round that runs while a delivery is in flight claims nothing; the receiver gets the alert once`, async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const s = await start(await httpSink([200], (n) => (n === 1 ? released : undefined)), { timeoutMs: 120_000, retries: 1 });
    await s.store.upsertAlert(draft, T0.toISOString());

    const first = s.jobs.round();
    await waitFor(() => hook!.received.length === 1, 60_000, 'the webhook request');
    // In flight: the sink has the request and has not answered. An overlapping round (a slow round and the
    // next one, or another instance on the same database) sweeps now.
    expect((await s.jobs.round()).notified).toBe(0);
    release();
    expect((await first).notified).toBe(1);
    expect(hook!.received).toHaveLength(1);
    expect(logs).toEqual([]);
  });

  it(`${kind}: an answer that does not come within timeoutMs counts as lost: the same notification is posted once more, and only a reopening makes a new one`, async () => {
    // the first request is never answered (held until the notifier gives up on it); the others are. The
    // retry must be answered within timeoutMs too: 10 s leaves room for a loaded 2-core machine, where 5 s
    // once did not (the retry then failed as well and the next round's durable retry posted a third time)
    const s = await start(await httpSink([200], (n, gone) => (n === 1 ? gone : undefined)), { timeoutMs: 10_000, retries: 1 });
    const { id } = await s.store.upsertAlert(draft, T0.toISOString());
    const notification = (r: Received) => decodeURIComponent(String(r.headers['x-ratwatch-notification-id']));

    expect((await s.jobs.round()).notified).toBe(1);
    const [a, b] = hook!.received;
    expect(hook!.received).toHaveLength(2);
    expect(b.body).toBe(a.body);
    expect(b.headers['x-ratwatch-alert-id']).toBe(a.headers['x-ratwatch-alert-id']);
    expect([notification(a), notification(b)]).toEqual([`alert:${id}:${T0.toISOString()}`, `alert:${id}:${T0.toISOString()}`]);
    expect(logs).toEqual([
      expect.stringMatching(/^hook: POST http:\/\/127\.0\.0\.1:\d+ failed: no answer within 10000 ms; retrying in 5 ms \(1\/1\)$/),
    ]);

    clock = minutes(2);
    expect((await s.jobs.round()).notified).toBe(0);
    expect(hook!.received).toHaveLength(2);

    expect(await s.store.setAlertStatus(id, 'closed', 'admin', minutes(3).toISOString())).toBe(true);
    await s.store.upsertAlert(draft, minutes(4).toISOString());
    clock = minutes(5);
    expect((await s.jobs.round()).notified).toBe(1);
    expect(hook!.received.slice(2).map(notification)).toEqual([`alert:${id}:${minutes(5).toISOString()}`]);
  });
}

describe('webhook delivery of one alert with a slow receiver', { timeout: 300_000 }, () => {
  for (const kind of STORE_KINDS) deliverySuite(kind);
});
