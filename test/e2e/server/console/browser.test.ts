// The console of the real ratwatch-server process in a real Chromium (Debian's, via playwright-core), over
// HTTPS with the server's generated certificate, on SQLite seeded with the simulated farm fleet reported
// over HTTP by the agent's own planner and encoder: sign in, every page, filters, CSV export, acknowledging
// an alert, an office network and an expected-regions upload, a notifier test to a local sink, API tokens,
// the audit log, the hostile host name, keyboard use, a viewer refused the admin pages. A screenshot of
// each page goes to test-artifacts/console/ (git-ignored).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../helpers/chromium.ts';
import { consoleFleet, FARM_MAC, HOSTILE_NAME, OFFICE_IP, seedFleet } from '../../../helpers/console-fleet.ts';
import { addUser, startConsoleServer, VIEWER, type ConsoleServer } from '../../../helpers/console-server.ts';
import { ROOT } from '../../../helpers/cli.ts';
import { request } from '../../../helpers/server/http.ts';
import { httpSink, type HttpSink } from '../../../helpers/server/notify-sinks.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const ORDINARY = 40; // + an office of 50, a farm of 6 and the hostile host

let s: ConsoleServer;
let sink: HttpSink;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const dialogs: string[] = [];
const problems: string[] = []; // CSP violations, page errors

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(p: Page, who: { username: string; password: string }): Promise<void> {
  await p.goto(`${s.url}/`);
  await p.getByLabel('User name').fill(who.username);
  await p.getByLabel('Password').fill(who.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(`${s.url}/`);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [s, sink] = await Promise.all([startConsoleServer(), httpSink()]);
  await seedFleet(s, consoleFleet(ORDINARY));
  const admin = await s.adminClient();
  await addUser(admin, VIEWER.username, 'viewer', VIEWER.password);
  browser = await launchChromium({ trustSelfSigned: true });
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await sink?.close();
  await s?.close();
});

describe('console of ratwatch-server in Chromium', () => {
  it('asks for a sign-in first, then shows the overview of the seeded fleet', async () => {
    await page.goto(`${s.url}/hosts`);
    expect(page.url()).toBe(`${s.url}/login`);
    await shot('login');
    await signIn(page, s.admin);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Overview');
    await expect(page.getByRole('link', { name: `Online ${ORDINARY + 57}` }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: /Open findings and silent hosts per day/ }).count()).resolves.toBe(1);
    await shot('overview');
  });

  it('finds the laptop farm when an admin asks for an evaluation now, and explains why', async () => {
    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await expect(page.locator('article.group').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/evaluated/);
    const farm = page.locator('article.group', { has: page.locator('code', { hasText: FARM_MAC }) });
    await expect(farm.count()).resolves.toBe(1);
    await expect(farm.getByText(/runs remote-access, tunnel or IP-KVM software/).count()).resolves.toBe(1);
    await expect(farm.locator('tbody tr').count()).resolves.toBe(6);
    // the office of 50 behind one address is a group too, until its address is allow-listed (below)
    await expect(page.locator('article.group code', { hasText: OFFICE_IP }).count()).resolves.toBeGreaterThan(0);
    await shot('groups');
    await page.goto(`${s.url}/`);
    await expect(page.getByText(/laptop-farm group/i).count()).resolves.toBeGreaterThan(0);
  });

  it('filters the hosts by tool and sorts them; exports the filtered list as CSV', async () => {
    await page.getByRole('link', { name: 'Hosts', exact: true }).click();
    await page.getByLabel('Tool').selectOption({ label: 'AnyDesk' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/tool=anydesk/);
    const rows = page.locator('table.list tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await page.getByRole('link', { name: 'Host', exact: true }).click();
    await page.waitForURL(/sort=hostname/);
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual(['farm0-laptop', 'farm1-laptop']);
    await page.getByRole('link', { name: 'Host', exact: true }).click(); // again: descending
    await page.waitForURL(/dir=desc/);
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual(['farm1-laptop', 'farm0-laptop']);
    await shot('hosts-anydesk');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toMatch(/^agent_id,hostname/);
    expect(csv[1]).toContain('"farm1-laptop"');

    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByRole('combobox', { name: /^OS/ }).selectOption('darwin');
    await page.getByLabel('Severity at least').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/os=darwin/);
    await expect(page.getByText('65 hosts, page 1 of 2').count()).resolves.toBe(1); // the office's 50 Macs and a third of the others
    await page.goto(`${s.url}/hosts`);
    await expect(page.getByText(`${ORDINARY + 57} hosts, page 1 of 2`).count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'Next' }).click();
    await expect(rows.count()).resolves.toBe(ORDINARY + 57 - 50);
    await shot('hosts');
  });

  it('shows the hostile host name as text everywhere, and no dialog fires', async () => {
    await page.goto(`${s.url}/hosts`);
    await page.getByLabel('Search').fill('onerror');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/q=onerror/);
    const shown = HOSTILE_NAME.replace('\u001b', '\\x1b');
    await expect(page.locator('table.list tbody td:first-child').textContent()).resolves.toBe(shown);
    await page.getByRole('link', { name: shown }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`Host ${shown}`);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    // the evidence's process name is hostile too: shown as the field's text
    await expect(page.locator('.evidence dd code', { hasText: shown }).count()).resolves.toBeGreaterThan(0);
    await expect(page.getByRole('heading', { name: /Resolved findings/ }).count()).resolves.toBe(1);
    await shot('host-hostile');
    await page.goto(`${s.url}/alerts`);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows a farm host with its evidence and timeline: the context change and the lost reports', async () => {
    await page.goto(`${s.url}/hosts?q=farm0`);
    await page.getByRole('link', { name: 'farm0-laptop' }).click();
    await expect(page.getByRole('heading', { name: /AnyDesk/ }).count()).resolves.toBe(1);
    await expect(page.locator('.evidence .ev-type').allTextContents()).resolves.toEqual(['process', 'socket']);
    await expect(page.getByText(/2 reports missing/).count()).resolves.toBe(1);
    await expect(page.getByText(/gateway.mac changed from a4:83:e7:00:00:09 to 60:38:e0:11:22:33/i).count()).resolves.toBe(1);
    await shot('host-farm');
  });

  it('lists the tools with their hosts', async () => {
    await page.getByRole('link', { name: 'Tools', exact: true }).click();
    await expect(page.getByRole('rowheader', { name: 'AnyDesk' }).count()).resolves.toBe(1);
    await expect(
      page
        .getByRole('row', { name: /^AnyDesk/ })
        .getByRole('link', { name: '2 hosts' })
        .count(),
    ).resolves.toBe(1);
    await shot('tools');
  });

  it('acknowledges the farm alert, then closes it: who and when are shown, and the audit log has both', async () => {
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const ack = page.getByRole('button', { name: new RegExp(`^Acknowledge alert: .*${FARM_MAC}`) });
    await expect(ack.count()).resolves.toBe(1);
    await ack.click();
    await page.waitForURL(`${s.url}/alerts`);
    await expect(page.getByRole('status').textContent()).resolves.toBe('Alert acknowledged.');
    await expect(page.getByText(`acknowledged by ${s.admin.username}`).count()).resolves.toBe(1);
    await shot('alerts');
    await page.getByRole('button', { name: new RegExp(`^Close alert: .*${FARM_MAC}`) }).click();
    await expect(page.getByText(`closed by ${s.admin.username}`).count()).resolves.toBe(1);
    const api = await request(`${s.url}/api/alerts?status=closed`, {
      caFile: s.caFile,
      headers: { authorization: `Basic ${Buffer.from(`${s.admin.username}:${s.admin.password}`).toString('base64')}` },
    });
    expect(api.json().alerts).toEqual([
      expect.objectContaining({ rule: 'laptop-farm', ackBy: s.admin.username, closedBy: s.admin.username }),
    ]);
  });

  it('adds the office address to the allow-list (the office group disappears), uploads expected regions, tests a notifier', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const office = page.locator('#office');
    await office.getByLabel('Kind').selectOption('cidr');
    await office.getByLabel('Value').fill(OFFICE_IP);
    await office.getByLabel('Note').fill('Berlin office <b>HQ</b>');
    await office.getByRole('button', { name: 'Add network' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe(`Office network ${OFFICE_IP} added.`);
    await expect(office.locator('td', { hasText: 'Berlin office <b>HQ</b>' }).count()).resolves.toBe(1);
    await office.getByLabel('Kind').selectOption('gateway-mac');
    await office.getByLabel('Value').fill('not a network');
    await office.getByRole('button', { name: 'Add network' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/is not a MAC address/);

    const regions = page.locator('#regions');
    await regions.getByLabel('CSV file').setInputFiles({
      name: 'regions.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'user,countries,timezones\nhome1@corp.example,US,America/Chicago\nhome2@corp.example,DE;AT,Europe/Berlin Europe/Vienna\n',
      ),
    });
    await regions.getByRole('button', { name: 'Upload' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Expected regions replaced: 2 users.');
    await expect(regions.getByText('Europe/Vienna').count()).resolves.toBeGreaterThan(0);
    await regions
      .getByLabel('CSV file')
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('user,countries\nbob,Germany\n') });
    await regions.getByRole('button', { name: 'Upload' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Line 2: country "GERMANY" is not an ISO 3166 two-letter code.');

    const notifiers = page.locator('#notifiers');
    await notifiers.getByLabel('Kind').selectOption('slack');
    await notifiers.getByLabel('Name').fill('IT channel');
    await notifiers.getByLabel('URL or mail address').fill(`${sink.url}/services/T000/B000/secret-path`);
    await notifiers.getByRole('button', { name: 'Add notifier' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Notifier IT channel added.');
    await expect(page.locator('#notifiers').getByText('secret-path').count()).resolves.toBe(0); // a Slack URL's path is a secret
    await page.locator('#notifiers').getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Test sent to IT channel.');
    // the server's own rounds may also send the new notifier an alert raised from the regions just uploaded
    const tests = sink.received.filter((r) => r.body.includes('Test notification from the ratwatch console'));
    expect(tests).toHaveLength(1);
    expect(tests[0].url).toBe('/services/T000/B000/secret-path');
    expect(tests[0].body).toContain(`Test notification from the ratwatch console, sent by ${s.admin.username}`);

    const secrets = page.locator('#enrollment');
    await secrets.getByLabel('Label').fill('pilot');
    await secrets.getByRole('button', { name: 'Create secret' }).click();
    const created = await page.getByRole('status').textContent();
    const secret = /: (rwe_\S+)$/.exec(created ?? '')?.[1];
    expect(secret).toBeDefined();
    // the new secret enrolls, the old one no longer does
    const enroll = (with_: string) =>
      request(`${s.url}/v1/enroll`, {
        caFile: s.caFile,
        body: JSON.stringify({ enrollSecret: with_, agentId: 'new-laptop', hostname: 'new' }),
      });
    expect((await enroll(s.enrollSecret)).status).toBe(401);
    expect((await enroll(secret!)).status).toBe(200);
    await page.reload(); // shown once: gone after the next page
    await expect(page.getByRole('status').count()).resolves.toBe(0);
    await shot('settings');

    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await expect(page.locator('article.group code', { hasText: OFFICE_IP }).count()).resolves.toBe(0);
    await expect(page.locator('article.group code', { hasText: FARM_MAC }).count()).resolves.toBe(1);
  });

  it('creates an API token shown once, which works on the JSON API until revoked', async () => {
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('siem <reader>');
    await page.getByLabel('For user').selectOption({ label: `${VIEWER.username} (viewer)` });
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = /: (rwt_\S+)$/.exec((await page.getByRole('status').textContent()) ?? '')?.[1];
    expect(token).toBeDefined();
    const me = () => request(`${s.url}/api/me`, { caFile: s.caFile, headers: { authorization: `Bearer ${token}` } });
    expect((await me()).json()).toEqual({ name: VIEWER.username, role: 'viewer' });
    await expect(page.getByRole('cell', { name: 'siem <reader>', exact: true }).count()).resolves.toBe(1);
    await shot('tokens');
    await page.getByRole('button', { name: `Revoke token siem <reader> of ${VIEWER.username}` }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/revoked/);
    expect((await me()).status).toBe(401);
    await page.reload();
    await expect(page.getByText(/rwt_/).count()).resolves.toBe(0);
  });

  it('lists every admin action in the audit log, newest first', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    const actions = await page.locator('table.list tbody tr td:nth-child(3)').allTextContents();
    for (const a of [
      'alert.acknowledged',
      'alert.closed',
      'office.add',
      'regions.replace',
      'notifier.add',
      'notifier.test',
      'enrollment.rotate',
      'token.create',
      'token.revoke',
      'user.create',
      'farm.evaluate',
    ]) {
      expect(actions, a).toContain(a);
    }
    expect(actions[0]).toBe('token.revoke');
    await shot('audit');
  });

  it('can be used with the keyboard: the skip link comes first and leads to the content', async () => {
    await page.goto(`${s.url}/hosts`);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('INPUT'); // the search field
    for (const p of ['/hosts', '/settings', '/tokens']) {
      await page.goto(`${s.url}${p}`);
      const unlabelled = await page.evaluate(
        () =>
          [...document.querySelectorAll('input:not([type=hidden]), select')].filter((el) => !(el as HTMLInputElement).labels?.length)
            .length,
      );
      expect(unlabelled, p).toBe(0);
    }
  });

  it('shows a viewer no admin pages and refuses them', async () => {
    const viewerPage = await browser.context.newPage();
    await browser.context.clearCookies();
    await signIn(viewerPage, VIEWER);
    for (const link of ['Settings', 'API tokens', 'Audit log'])
      await expect(viewerPage.getByRole('link', { name: link }).count()).resolves.toBe(0);
    await viewerPage.goto(`${s.url}/alerts`);
    await expect(viewerPage.getByRole('button', { name: /Acknowledge|Close/ }).count()).resolves.toBe(0);
    await viewerPage.goto(`${s.url}/groups`);
    await expect(viewerPage.getByRole('button', { name: 'Evaluate now' }).count()).resolves.toBe(0);
    for (const p of ['/settings', '/tokens', '/audit']) {
      const res = await viewerPage.goto(`${s.url}${p}`);
      expect(res?.status(), p).toBe(403);
    }
    await shot('viewer-settings-403', viewerPage);
    await viewerPage.close();
  });

  it('ran no script and broke no CSP rule', () => {
    expect(dialogs).toEqual([]);
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
  });
});
