// Who may do what, over a real HTTP server on 127.0.0.1: sign-in, roles on every route, CSRF on every
// form, cookies, security headers, rate-limited sign-in, logout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../../../server/console/handler.ts';
import { routes } from '../../../../server/console/routes.ts';
import { ConsoleClient } from '../../../helpers/console-client.ts';
import { ADMIN, startConsole, VIEWER, type RunningConsole } from '../../../helpers/console-server.ts';

/** A concrete path for a route pattern: each parameter becomes an id that exists in the simulated fleet. */
function samplePath(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, '').replace(/\$$/, '').replace(/\(\[\^\/\]\{1,200\}\)/g, 'alert-farm-1').replace(/\\/g, '');
}

let c: RunningConsole;
beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => c?.close());

describe('console access', () => {
  it('sends strangers to the sign-in page and refuses their forms', async () => {
    const anon = new ConsoleClient(c.url);
    for (const r of routes()) {
      const res = await anon.request(samplePath(r.pattern), r.method === 'POST' ? { form: { _csrf: 'x' } } : {});
      if (r.method === 'GET') {
        expect(res.status, r.name).toBe(303);
        expect(res.headers.get('location'), r.name).toBe('/login');
      } else expect(res.status, r.name).toBe(403);
    }
    expect(c.data.alertList.find((a) => a.id === 'alert-farm-1')!.status).toBe('open');
  });

  it('signs in with secure, HttpOnly, SameSite cookies and a new session id; wrong passwords are refused', async () => {
    const client = new ConsoleClient(c.url);
    await client.csrf('/login');
    const before = client.cookie;
    expect((await client.login(ADMIN.username, 'wrong password')).status).toBe(401);
    const res = await client.login(ADMIN.username, ADMIN.password);
    expect(res.status).toBe(303);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^__Host-ratwatch=/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('Secure');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(client.cookie).not.toBe(before);
    expect((await client.request('/')).status).toBe(200);
  });

  it('puts the strict CSP and framing headers on every response, pages and errors alike', async () => {
    const admin = new ConsoleClient(c.url);
    await admin.login(ADMIN.username, ADMIN.password);
    for (const p of ['/', '/hosts', '/settings', '/login', '/nope', '/static/console.css']) {
      const res = await admin.request(p);
      expect(res.headers.get('content-security-policy'), p).toBe(CSP);
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), p).toBe('DENY');
    }
    expect(CSP).not.toMatch(/unsafe-inline|script-src/);
    const page = await admin.text('/');
    expect(page).not.toMatch(/<script|style=|\son[a-z]+=/i);
  });

  it('lets a viewer read every page but reach no admin route or form', async () => {
    const viewer = new ConsoleClient(c.url);
    expect((await viewer.login(VIEWER.username, VIEWER.password)).status).toBe(303);
    const csrf = await viewer.csrf('/');
    const adminRoutes = routes().filter((r) => r.role === 'admin');
    expect(adminRoutes.length).toBeGreaterThan(15);
    for (const r of adminRoutes) {
      const res = await viewer.request(samplePath(r.pattern), r.method === 'POST' ? { form: { _csrf: csrf, label: 'x', kind: 'cidr', value: '10.0.0.0/8', reportDays: '1' } } : {});
      expect(res.status, r.name).toBe(403);
    }
    for (const p of ['/', '/hosts', '/hosts/agent-00000', '/tools', '/groups', '/alerts', '/hosts.csv']) {
      const res = await viewer.request(p);
      expect(res.status, p).toBe(200);
      const body = await res.text();
      expect(body, p).not.toContain('/settings/');
      expect(body, p).not.toContain('/ack"');
      expect(body, p).not.toContain('href="/settings"');
    }
    expect(c.data.alertList.find((a) => a.id === 'alert-farm-1')!.status).toBe('open');
    expect(c.data.office).toHaveLength(0);
    expect(c.data.retentionDays).toBe(90);
    expect(c.data.audit).toEqual([]);
  });

  it('refuses every form without its CSRF token, or with another session\'s, and changes nothing', async () => {
    const admin = new ConsoleClient(c.url);
    await admin.login(ADMIN.username, ADMIN.password);
    const other = new ConsoleClient(c.url);
    await other.login(ADMIN.username, ADMIN.password);
    const otherToken = await other.csrf('/settings');
    for (const r of routes().filter((x) => x.method === 'POST')) {
      for (const form of [{}, { _csrf: '' }, { _csrf: otherToken }] as Record<string, string>[]) {
        const res = await admin.request(samplePath(r.pattern), { form: { ...form, kind: 'cidr', value: '10.0.0.0/8', label: 'x', reportDays: '7' } });
        expect(res.status, `${r.name} ${JSON.stringify(form)}`).toBe(403);
      }
    }
    expect(c.data.office).toHaveLength(0);
    expect(c.data.retentionDays).toBe(90);
    expect(c.data.alertList.find((a) => a.id === 'alert-farm-1')!.status).toBe('open');
    expect(c.logs.some((l) => l.includes('CSRF'))).toBe(true);
    // the same form with its token goes through
    const ok = await admin.request('/settings/retention', { form: { _csrf: await admin.csrf('/settings'), reportDays: '30' } });
    expect(ok.status).toBe(303);
    expect(c.data.retentionDays).toBe(30);
  });

  it('refuses the sign-in form without its token', async () => {
    const client = new ConsoleClient(c.url);
    await client.csrf('/login');
    const res = await client.request('/login', { form: { username: ADMIN.username, password: ADMIN.password } });
    expect(res.status).toBe(403);
    expect((await client.request('/')).status).toBe(303);
  });

  it('ends the session at logout', async () => {
    const admin = new ConsoleClient(c.url);
    await admin.login(ADMIN.username, ADMIN.password);
    const kept = admin.cookie;
    const res = await admin.request('/logout', { form: { _csrf: await admin.csrf('/') } });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    admin.cookie = kept; // an old cookie replayed after logout is worth nothing
    expect((await admin.request('/')).status).toBe(303);
  });
});

describe('console sign-in rate limit', () => {
  it('refuses further attempts with 429 and Retry-After after 5 failures, even with the right password', async () => {
    const own = await startConsole({ ordinary: 5 });
    try {
      const client = new ConsoleClient(own.url);
      for (let i = 0; i < 5; i++) expect((await client.login(ADMIN.username, `guess ${i}`)).status).toBe(401);
      const res = await client.login(ADMIN.username, ADMIN.password);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.text()).toContain('Too many failed sign-ins');
      // another name from the same address is limited too: guessing cannot rotate through accounts
      expect((await client.login(VIEWER.username, VIEWER.password)).status).toBe(429);
    } finally {
      await own.close();
    }
  });
});

describe('console with no agent yet', () => {
  it('shows the agent config to deploy instead of an empty dashboard, and says what to do on empty lists', async () => {
    const { MemoryConsoleData } = await import('../../../helpers/console-memory.ts');
    const own = await startConsole({ data: new MemoryConsoleData({ now: new Date('2026-12-01T12:00:00Z'), hosts: [], alerts: [] }) });
    try {
      const admin = new ConsoleClient(own.url);
      await admin.login(ADMIN.username, ADMIN.password);
      const overview = await admin.text('/');
      expect(overview).toContain('No agent has reported yet');
      expect(overview).toContain('enrollSecret: enroll-0123456789abcdef');
      expect(overview).toContain('ratwatch scan --report');
      expect(await admin.text('/hosts')).toContain('No host has reported yet');
      expect(await admin.text('/tools')).toContain('No remote-access tool was found on any host');
      expect(await admin.text('/groups')).toContain('No hosts share a network');
      expect(await admin.text('/alerts')).toContain('check the notifiers');
      const viewer = new ConsoleClient(own.url);
      await viewer.login(VIEWER.username, VIEWER.password);
      expect(await viewer.text('/')).toContain('ask an admin for the enrollment secret');
    } finally {
      await own.close();
    }
  });
});
