import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, createNotifiers, notifyAll, type Notifier } from '../../../../server/notify/index.ts';
import { HOSTILE, deadPort, farmAlert, httpSink, type HttpSink } from '../../../helpers/server/notify-sinks.ts';

const SECRET = 'test-webhook-secret-0123456789';
const fast = { retries: 2, backoffMs: 5, timeoutMs: 5_000 };
let sinks: HttpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  sinks = [];
});
const sink = async (statuses?: number[]) => {
  const s = await httpSink(statuses);
  sinks.push(s);
  return s;
};

/** What a receiver does, written from the README, independent of the notifier's code. */
function verify(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const ts = String(headers['x-ratwatch-timestamp']);
  const sig = String(headers['x-ratwatch-signature']);
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`);
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want);
}

describe('JSON webhook', () => {
  it('posts the alert as JSON with a timestamped HMAC-SHA256 signature the receiver can verify', async () => {
    const s = await sink();
    const alert = farmAlert();
    await createNotifier({ type: 'webhook', url: `${s.url}/hook`, secret: SECRET, ...fast }).send(alert);
    expect(s.received).toHaveLength(1);
    const [r] = s.received;
    expect(r.method).toBe('POST');
    expect(r.headers['content-type']).toBe('application/json');
    expect(verify(SECRET, r.headers, r.body)).toBe(true);
    expect(verify('another-secret-0123456789', r.headers, r.body)).toBe(false);
    expect(verify(SECRET, r.headers, r.body.replace('critical', 'low'))).toBe(false);
    const doc = JSON.parse(r.body);
    expect(doc).toMatchObject({
      schema: 'ratwatch.alert/1',
      id: 'alert-1',
      rule: 'laptop-farm',
      severity: 'critical',
      subject: 'farm:gateway-mac:60:38:e0:11:22:33',
    });
    expect(doc.explanation.hosts.map((h: { hostname: string }) => h.hostname)).toContain(HOSTILE); // JSON carries it verbatim, escaped by JSON
    expect(r.headers['x-ratwatch-alert-id']).toBe('alert-1');
  });

  it('retries a 500 and a 429, then succeeds', async () => {
    const s = await sink([500, 429, 200]);
    const lines: string[] = [];
    await createNotifier({ type: 'webhook', url: s.url, secret: SECRET, ...fast }, (l) => lines.push(l)).send(farmAlert());
    expect(s.received).toHaveLength(3);
    for (const r of s.received) expect(verify(SECRET, r.headers, r.body)).toBe(true);
    expect(lines).toEqual([
      expect.stringMatching(/^webhook: POST http:\/\/127\.0\.0\.1:\d+ answered HTTP 500; retrying in 5 ms \(1\/2\)$/),
      expect.stringMatching(/answered HTTP 429; retrying in 10 ms \(2\/2\)$/),
    ]);
  });

  it('gives up after the bounded retries with one line that names no secret', async () => {
    const s = await sink([500]);
    const err = await createNotifier({ type: 'webhook', url: `${s.url}/hooks/T0/B0/path-token-xyz?key=q-secret`, secret: SECRET, ...fast })
      .send(farmAlert())
      .catch((e: Error) => e);
    expect(s.received).toHaveLength(3);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^webhook: POST http:\/\/127\.0\.0\.1:\d+ answered HTTP 500 \(after 3 attempts\)$/);
    for (const secret of [SECRET, 'path-token-xyz', 'q-secret']) expect(msg).not.toContain(secret);
  });

  it('does not retry a 4xx that will never pass', async () => {
    const s = await sink([404]);
    await expect(createNotifier({ type: 'webhook', url: s.url, secret: SECRET, ...fast }).send(farmAlert())).rejects.toThrow(
      /answered HTTP 404$/,
    );
    expect(s.received).toHaveLength(1);
  });

  it('retries a sink that is down, then reports it in one line', async () => {
    const port = await deadPort();
    const lines: string[] = [];
    const err = await createNotifier({ type: 'webhook', url: `http://127.0.0.1:${port}/x`, secret: SECRET, ...fast }, (l) => lines.push(l))
      .send(farmAlert())
      .catch((e: Error) => e);
    expect((err as Error).message).toBe(`webhook: POST http://127.0.0.1:${port} failed: ECONNREFUSED (after 3 attempts)`);
    expect(lines).toHaveLength(2);
  });

  it('rejects bad configs in one line', () => {
    expect(() => createNotifier({ type: 'webhook', url: 'http://hooks.example/x', secret: SECRET })).toThrow(
      'webhook: url must be https (plain http only to loopback, or with allowHttp)',
    );
    expect(() => createNotifier({ type: 'webhook', url: 'https://u:p@hooks.example/x', secret: SECRET })).toThrow(
      'webhook: url must not contain credentials',
    );
    expect(() => createNotifier({ type: 'webhook', url: 'https://hooks.example/x', secret: 'short' })).toThrow(
      'webhook: secret must be at least 16 characters',
    );
    expect(() => createNotifier({ type: 'webhook', url: 'https://hooks.example/x', secret: SECRET, retries: 99 })).toThrow(
      'webhook: retries must be from 0 to 10',
    );
    expect(() => createNotifier({ type: 'pager' } as never)).toThrow('notifier type "pager" is not webhook, slack or email');
    expect(() =>
      createNotifiers([
        { type: 'slack', url: 'https://a.example/x' },
        { type: 'slack', url: 'https://b.example/y' },
      ]),
    ).toThrow('two notifiers are named "slack"; give each a name');
  });
});

describe('Slack-compatible webhook', () => {
  it('sends text and blocks with agent-supplied values escaped for mrkdwn', async () => {
    const s = await sink();
    await createNotifier({ type: 'slack', url: `${s.url}/services/T0/B0/token`, ...fast }).send(farmAlert());
    const doc = JSON.parse(s.received[0].body);
    expect(doc.text).toMatch(/^CRITICAL Possible laptop farm: 6 hosts of 6 users share gateway MAC 60:38:e0:11:22:33/);
    const all = JSON.stringify(doc);
    expect(all).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(all).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(all).not.toContain('\\r');
    expect(doc.blocks.map((b: { type: string }) => b.type)).toEqual(['section', 'section', 'context', 'actions']);
    expect(doc.blocks[1].text.text).toContain('Shared gateway-mac 60:38:e0:11:22:33: 6 hosts, 6 users');
    expect(doc.blocks[1].text.text).toContain('AnyDesk (remote-desktop)');
    expect(doc.blocks[3].elements[0].url).toBe('https://ratwatch.corp.example/alerts/alert-1');
  });

  it('keeps the webhook path out of errors and notifyAll keeps going when one sink fails', async () => {
    const ok = await sink();
    const bad = await sink([503]);
    const notifiers: Notifier[] = createNotifiers([
      { type: 'slack', name: 'slack-bad', url: `${bad.url}/services/T0/B0/very-secret-token`, retries: 1, backoffMs: 1 },
      { type: 'slack', name: 'slack-ok', url: `${ok.url}/services/T0/B0/other`, ...fast },
    ]);
    const out = await notifyAll(notifiers, farmAlert());
    expect(out).toEqual([
      {
        name: 'slack-bad',
        ok: false,
        error: expect.stringMatching(/^slack-bad: POST http:\/\/127\.0\.0\.1:\d+ answered HTTP 503 \(after 2 attempts\)$/),
      },
      { name: 'slack-ok', ok: true },
    ]);
    expect(JSON.stringify(out)).not.toContain('very-secret-token');
    expect(bad.received).toHaveLength(2);
  });
});
