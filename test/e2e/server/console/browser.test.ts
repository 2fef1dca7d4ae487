// The console in a real Chromium over a real HTTP server on 127.0.0.1 with the simulated farm: sign in,
// every page, filters, CSV export, acknowledging an alert, settings forms, the hostile host name, keyboard
// navigation. A screenshot of each page goes to test-artifacts/console/ (git-ignored).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FARM_MAC, HOSTILE_NAME, OFFICE_MAC } from '../../../helpers/console-fleet.ts';
import { launchChromium } from '../../../helpers/chromium.ts';
import { ADMIN, startConsole, VIEWER, type RunningConsole } from '../../../helpers/console-server.ts';
import { ROOT } from '../../../helpers/paths.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');

let c: RunningConsole;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const dialogs: string[] = [];
const problems: string[] = []; // CSP violations, page errors

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(p: Page, who: { username: string; password: string }): Promise<void> {
  await p.goto(`${c.url}/`);
  await p.getByLabel('User name').fill(who.username);
  await p.getByLabel('Password').fill(who.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(`${c.url}/`);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  c = await startConsole();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await c?.close();
});

describe('console in Chromium', () => {
  it('asks for a sign-in first, then shows the overview of the seeded fleet', async () => {
    await page.goto(`${c.url}/hosts`);
    expect(page.url()).toBe(`${c.url}/login`);
    await shot('login');
    await signIn(page, ADMIN);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Overview');
    await expect(page.getByRole('link', { name: 'Online 46' }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: /Open findings and silent hosts per day/ }).count()).resolves.toBe(1);
    await shot('overview');
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
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual(['farm-0', 'farm-1']);
    await page.getByRole('link', { name: 'Host', exact: true }).click(); // again: descending
    await page.waitForURL(/dir=desc/);
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual(['farm-1', 'farm-0']);
    await shot('hosts-anydesk');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8').trim().split('\r\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toMatch(/^agent_id,hostname/);
    expect(csv[1]).toContain('"farm-1"');

    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Status').selectOption('silent');
    await page.getByLabel('Severity at least').selectOption('info');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=silent/);
    for (const state of await page.locator('table.list tbody td .state').allTextContents()) expect(state).toBe('silent');
    await page.goto(`${c.url}/hosts`);
    await expect(page.getByText('52 hosts, page 1 of 2').count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'Next' }).click();
    await expect(rows.count()).resolves.toBe(2);
    await shot('hosts');
  });

  it('shows the hostile host name as text everywhere, and no dialog fires', async () => {
    await page.goto(`${c.url}/hosts`);
    await page.getByLabel('Search').fill('onerror');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/q=onerror/);
    const shown = `${HOSTILE_NAME.replace('\u001b', '\\x1b')}`;
    await expect(page.locator('table.list tbody td:first-child').textContent()).resolves.toBe(shown);
    await page.getByRole('link', { name: shown }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`Host ${shown}`);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    // the evidence's process name is hostile too: shown as the field's text
    await expect(page.locator('.evidence dd code', { hasText: shown }).count()).resolves.toBeGreaterThan(0);
    await expect(page.getByText('tamper sign').count()).resolves.toBe(1);
    await expect(page.getByRole('heading', { name: /Resolved findings/ }).count()).resolves.toBe(1);
    await shot('host-hostile');
    await page.goto(`${c.url}/alerts`);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows a farm host with its evidence and timeline', async () => {
    await page.goto(`${c.url}/hosts?q=farm-0`);
    await page.getByRole('link', { name: 'farm-0' }).click();
    await expect(page.getByRole('heading', { name: /AnyDesk/ }).count()).resolves.toBe(1);
    await expect(page.locator('.evidence .ev-type').allTextContents()).resolves.toEqual(['process', 'package', 'socket']);
    await expect(page.getByText(/3 reports missing/).count()).resolves.toBe(1);
    await expect(page.getByText(/default gateway mac changed/).count()).resolves.toBe(1);
    await shot('host-farm');
  });

  it('lists the tools and the laptop-farm groups with why they were flagged', async () => {
    await page.getByRole('link', { name: 'Tools' }).click();
    await expect(page.getByRole('rowheader', { name: 'AnyDesk' }).count()).resolves.toBe(1);
    await shot('tools');
    await page.getByRole('link', { name: 'Groups' }).click();
    await expect(page.locator('article.group').count()).resolves.toBe(2);
    await expect(page.getByText(/runs remote-access, tunnel or IP-KVM software/).count()).resolves.toBe(1);
    await expect(page.locator('article.group code', { hasText: FARM_MAC }).count()).resolves.toBe(1);
    await shot('groups');
  });

  it('acknowledges an alert, then closes it: who and when are shown', async () => {
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('button', { name: /^Acknowledge alert: Laptop farm/ }).click();
    await page.waitForURL(`${c.url}/alerts`);
    await expect(page.getByRole('status').textContent()).resolves.toBe('Alert acknowledged.');
    await expect(page.getByText(/acknowledged by alice/).count()).resolves.toBe(1);
    const farm = c.data.alertList.find((a) => a.id === 'alert-farm-1')!;
    expect(farm.status).toBe('acknowledged');
    expect(farm.ackBy).toBe(ADMIN.username);
    await shot('alerts');
    await page.getByRole('button', { name: /^Close alert: Laptop farm/ }).click();
    await expect(page.getByText(/closed by alice/).count()).resolves.toBe(2); // this one and the old one
    expect(farm.status).toBe('closed');
  });

  it('adds an office network (the office group disappears), uploads expected regions, tests a notifier', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const office = page.locator('#office');
    await office.getByLabel('Kind').selectOption('gateway-mac');
    await office.getByLabel('Value').fill(OFFICE_MAC);
    await office.getByLabel('Note').fill('Berlin office <b>HQ</b>');
    await office.getByRole('button', { name: 'Add network' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe(`Office network ${OFFICE_MAC} added.`);
    await expect(office.locator('td', { hasText: 'Berlin office <b>HQ</b>' }).count()).resolves.toBe(1);
    expect(c.data.office.map((o) => o.value)).toEqual([OFFICE_MAC]);
    await office.getByLabel('Kind').selectOption('gateway-mac');
    await office.getByLabel('Value').fill('not a network');
    await office.getByRole('button', { name: 'Add network' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/is not a MAC address/);

    const regions = page.locator('#regions');
    await regions.getByLabel('CSV file').setInputFiles({ name: 'regions.csv', mimeType: 'text/csv', buffer: Buffer.from('user,countries,timezones\ncontractor0,US,America/Chicago\nuser1,DE;AT,Europe/Berlin Europe/Vienna\n') });
    await regions.getByRole('button', { name: 'Upload' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Expected regions replaced: 2 users.');
    expect(c.data.regions[1]).toEqual({ user: 'user1', countries: ['DE', 'AT'], timezones: ['Europe/Berlin', 'Europe/Vienna'] });
    await regions.getByLabel('CSV file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('user,countries\nbob,Germany\n') });
    await regions.getByRole('button', { name: 'Upload' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Line 2: "GERMANY" is not a two-letter country code.');
    expect(c.data.regions).toHaveLength(2);

    const notifiers = page.locator('#notifiers');
    await notifiers.getByLabel('Kind').selectOption('slack');
    await notifiers.getByLabel('Name').fill('IT channel');
    await notifiers.getByLabel('URL or mail address').fill('https://hooks.example/T000');
    await notifiers.getByRole('button', { name: 'Add notifier' }).click();
    await page.locator('#notifiers').getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Test sent to IT channel.');
    expect(c.data.tests).toEqual([{ id: c.data.notifierList[0].id, by: ADMIN.username }]);

    const secrets = page.locator('#enrollment');
    await secrets.getByLabel('Label').fill('pilot');
    await secrets.getByRole('button', { name: 'Create secret' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/^New enrollment secret \(shown once\): /);
    await page.reload(); // shown once: gone after the next page
    await expect(page.getByRole('status').count()).resolves.toBe(0);
    await shot('settings');

    await page.getByRole('link', { name: 'Groups' }).click();
    await expect(page.locator('article.group').count()).resolves.toBe(1);
  });

  it('can be used with the keyboard: the skip link comes first and leads to the content', async () => {
    await page.goto(`${c.url}/hosts`);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('INPUT'); // the search field
    // every form control has a label
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input:not([type=hidden]), select')].filter((el) => !(el as HTMLInputElement).labels?.length).length);
    expect(unlabelled).toBe(0);
  });

  it('shows a viewer no settings and refuses the settings page', async () => {
    const viewerPage = await browser.context.newPage();
    await browser.context.clearCookies();
    await signIn(viewerPage, VIEWER);
    await expect(viewerPage.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
    await viewerPage.goto(`${c.url}/alerts?state=open`);
    await expect(viewerPage.getByRole('button', { name: /Acknowledge/ }).count()).resolves.toBe(0);
    const res = await viewerPage.goto(`${c.url}/settings`);
    expect(res?.status()).toBe(403);
    await viewerPage.screenshot({ path: join(ARTIFACTS, 'viewer-settings-403.png') });
    await viewerPage.close();
  });

  it('ran no script and broke no CSP rule', () => {
    expect(dialogs).toEqual([]);
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
  });
});
