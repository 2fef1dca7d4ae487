// Who may do what in the console of the real ratwatch-server process (HTTPS on 127.0.0.1, SQLite, users
// from its users table): sign-in, roles on every route, CSRF on every form, cookies, security headers,
// logout, the empty state before any agent, and the rate-limited sign-in (last: it locks out 127.0.0.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../../../server/console/handler.ts';
import { routes } from '../../../../server/console/routes.ts';
import { ConsoleClient } from '../../../helpers/console-client.ts';
import { consoleFleet, seedFleet } from '../../../helpers/console-fleet.ts';
import { addUser, startConsoleServer, VIEWER, type ConsoleServer } from '../../../helpers/console-server.ts';
import { basic, request } from '../../../helpers/server/http.ts';

let s: ConsoleServer;
let farmAlert: number;

/** The server's own JSON API, as the first admin. */
async function api(
  path: string,
): Promise<{ alerts: Array<{ id: number; rule: string; subject: string }>; audit: Array<Record<string, unknown>> }> {
  const r = await request(`${s.url}/api${path}`, {
    caFile: s.caFile,
    headers: { authorization: basic(s.admin.username, s.admin.password) },
  });
  if (r.status !== 200) throw new Error(`GET /api${path}: ${r.status} ${r.text}`);
  return r.json();
}

/** A concrete path for a route pattern: each parameter becomes an id that exists in the seeded fleet. */
function samplePath(pattern: RegExp): string {
  const id = pattern.source.includes('alerts') ? String(farmAlert) : pattern.source.includes('users') ? VIEWER.username : 'farm0';
  return pattern.source
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\(\[\^\/\]\{1,200\}\)/g, id)
    .replace(/\\/g, '');
}

beforeAll(async () => {
  s = await startConsoleServer();
}, 240_000);
afterAll(async () => s?.close());

describe('console with no agent yet', () => {
  it('shows the agent config to deploy instead of an empty dashboard, and says what to do on empty lists', async () => {
    const admin = await s.adminClient();
    const overview = await admin.text('/');
    expect(overview).toContain('No agent has reported yet');
    expect(overview).toContain(`RATWATCH_ENROLL_SECRET=${s.enrollSecret} ratwatch enroll`);
    expect(overview).toContain(`url: ${s.url}/v1/reports`);
    expect(await admin.text('/hosts')).toContain('No host has reported yet');
    expect(await admin.text('/tools')).toContain('No remote-access tool was found on any host');
    expect(await admin.text('/groups')).toContain('No hosts share a network');
    expect(await admin.text('/alerts')).toContain('check the notifiers');
    await addUser(admin, VIEWER.username, 'viewer', VIEWER.password);
    const viewer = new ConsoleClient(s.url, s.caFile);
    expect((await viewer.login(VIEWER.username, VIEWER.password)).status).toBe(303);
    const seen = await viewer.text('/');
    expect(seen).toContain('ask an admin for the enrollment secret');
    expect(seen).not.toContain(s.enrollSecret);
  });

  it('then receives a small farm fleet over HTTPS and raises its alert', async () => {
    await seedFleet(s, consoleFleet(10));
    const admin = await s.adminClient();
    expect((await admin.request('/groups/evaluate', { form: { _csrf: await admin.csrf('/groups') } })).status).toBe(303);
    const alerts = (await api('/alerts?status=open')).alerts;
    farmAlert = alerts.find((a) => a.rule === 'laptop-farm' && a.subject.includes('60:38:e0:11:22:33'))!.id;
    expect(farmAlert).toBeGreaterThan(0);
  }, 120_000);
});

describe('console access', () => {
  it('sends strangers to the sign-in page and refuses their forms', async () => {
    const anon = new ConsoleClient(s.url, s.caFile);
    for (const r of routes()) {
      const res = await anon.request(samplePath(r.pattern), r.method === 'POST' ? { form: { _csrf: 'x' } } : {});
      if (r.method === 'GET') {
        expect(res.status, r.name).toBe(303);
        expect(res.headers.location, r.name).toBe('/login');
      } else expect(res.status, r.name).toBe(403);
    }
    expect((await api(`/alerts?status=open`)).alerts.some((a: { id: number }) => a.id === farmAlert)).toBe(true);
  });

  it('signs in with secure, HttpOnly, SameSite cookies and a new session id; wrong passwords are refused', async () => {
    const client = new ConsoleClient(s.url, s.caFile);
    await client.csrf('/login');
    const before = client.cookie;
    expect((await client.login(s.admin.username, 'wrong password')).status).toBe(401);
    const res = await client.login(s.admin.username, s.admin.password);
    expect(res.status).toBe(303);
    const set = res.headers['set-cookie']![0];
    expect(set).toMatch(/^__Host-ratwatch=/);
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) expect(set).toContain(attr);
    expect(client.cookie).not.toBe(before);
    expect((await client.request('/')).status).toBe(200);
  });

  it("puts the strict CSP and framing headers on every console response; the agents' and API paths stay the server's", async () => {
    const admin = await s.adminClient();
    for (const p of ['/', '/hosts', '/settings', '/tokens', '/audit', '/login', '/nope', '/static/console.css']) {
      const res = await admin.request(p);
      expect(res.headers['content-security-policy'], p).toBe(CSP);
      expect(res.headers['x-content-type-options'], p).toBe('nosniff');
      expect(res.headers['x-frame-options'], p).toBe('DENY');
    }
    expect(CSP).not.toMatch(/unsafe-inline|script-src/);
    expect(await admin.text('/')).not.toMatch(/<script|style=|\son[a-z]+=/i);
    // the console's cookie is no API credential, and the API answers JSON as before
    const api401 = await admin.request('/api/hosts');
    expect(api401.status).toBe(401);
    expect(api401.headers['content-type']).toMatch(/json/);
    expect((await admin.request('/healthz')).text).toContain('ok');
  });

  it('lets a viewer read every page but reach no admin route or form', async () => {
    const viewer = new ConsoleClient(s.url, s.caFile);
    expect((await viewer.login(VIEWER.username, VIEWER.password)).status).toBe(303);
    const csrf = await viewer.csrf('/');
    const adminRoutes = routes().filter((r) => r.role === 'admin');
    expect(adminRoutes.length).toBeGreaterThan(20);
    const auditBefore = (await api('/audit')).audit.length;
    for (const r of adminRoutes) {
      const res = await viewer.request(
        samplePath(r.pattern),
        r.method === 'POST'
          ? { form: { _csrf: csrf, label: 'x', kind: 'cidr', value: '10.0.0.0/8', reportDays: '1', name: 'x', user: VIEWER.username } }
          : {},
      );
      expect(res.status, r.name).toBe(403);
    }
    for (const p of ['/', '/hosts', '/hosts/farm0', '/tools', '/groups', '/alerts', '/hosts.csv']) {
      const res = await viewer.request(p);
      expect(res.status, p).toBe(200);
      expect(res.text, p).not.toContain('/settings/');
      expect(res.text, p).not.toContain('/ack"');
      expect(res.text, p).not.toContain('href="/settings"');
      expect(res.text, p).not.toContain('href="/tokens"');
      expect(res.text, p).not.toContain('/groups/evaluate');
    }
    expect((await api(`/alerts?status=open`)).alerts.some((a: { id: number }) => a.id === farmAlert)).toBe(true);
    expect((await api('/audit')).audit.length).toBe(auditBefore);
    expect(await (await s.adminClient()).text('/settings')).toContain('value="90"');
  });

  it("refuses every form without its CSRF token, or with another session's, and changes nothing", async () => {
    const admin = await s.adminClient();
    const other = await s.adminClient();
    const otherToken = await other.csrf('/settings');
    const auditBefore = (await api('/audit')).audit.length;
    for (const r of routes().filter((x) => x.method === 'POST')) {
      for (const form of [{}, { _csrf: '' }, { _csrf: otherToken }] as Record<string, string>[]) {
        const res = await admin.request(samplePath(r.pattern), {
          form: { ...form, kind: 'cidr', value: '10.0.0.0/8', label: 'x', reportDays: '7', name: 'x' },
        });
        expect(res.status, `${r.name} ${JSON.stringify(form)}`).toBe(403);
      }
    }
    expect((await api('/audit')).audit.length).toBe(auditBefore);
    expect(s.proc.stdout() + '').not.toContain('CSRF'); // refusals go to the log (stderr), not to stdout
    // the same form with its token goes through, and is audited
    const ok = await admin.request('/settings/retention', { form: { _csrf: await admin.csrf('/settings'), reportDays: '30' } });
    expect(ok.status).toBe(303);
    expect(await admin.text('/settings')).toContain('value="30"');
    expect((await api('/audit')).audit[0]).toMatchObject({ actor: s.admin.username, action: 'retention.set', detail: { reportDays: 30 } });
  });

  it('refuses the sign-in form without its token', async () => {
    const client = new ConsoleClient(s.url, s.caFile);
    await client.csrf('/login');
    const res = await client.request('/login', { form: { username: s.admin.username, password: s.admin.password } });
    expect(res.status).toBe(403);
    expect((await client.request('/')).status).toBe(303);
  });

  it('ends the session at logout', async () => {
    const admin = await s.adminClient();
    const kept = admin.cookie;
    const res = await admin.request('/logout', { form: { _csrf: await admin.csrf('/') } });
    expect(res.status).toBe(303);
    expect(res.headers['set-cookie']![0]).toContain('Max-Age=0');
    admin.cookie = kept; // an old cookie replayed after logout is worth nothing
    expect((await admin.request('/')).status).toBe(303);
  });
});

describe('console sign-in rate limit', () => {
  it('refuses further attempts with 429 and Retry-After after 5 failures, even with the right password', async () => {
    const client = new ConsoleClient(s.url, s.caFile);
    // one failure from this address happened above (the wrong-password test): the limit counts it too
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.login(s.admin.username, `guess ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const res = await client.login(s.admin.username, s.admin.password);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.text).toContain('Too many failed sign-ins');
    // another name from the same address is limited too: guessing cannot rotate through accounts
    expect((await client.login(VIEWER.username, VIEWER.password)).status).toBe(429);
  });
});
