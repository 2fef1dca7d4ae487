import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSchtasks, SCHTASKS_SCRIPT } from '../../../../../agent/collectors/windows/autoruns.ts';
import { NETSH_SCRIPT, parseNetshInterfaces, windowsContext } from '../../../../../agent/collectors/windows/context.ts';
import { POWERSHELL, psArgs } from '../../../../../agent/collectors/windows/powershell.ts';
import { SERVICES_SCRIPT, servicesCollector } from '../../../../../agent/collectors/windows/services.ts';
import type { CollectorContext } from '../../../../../agent/collectors/types.ts';
import { ReplayRunner, type ReplayCommand } from '../../../../helpers/replay-runner.ts';
import { SETTING_KEYS } from '../../../../../agent/settings.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

// Output that real Windows machines printed, published by others (sources and trimming in
// test/fixtures/public-captures/README.md), replayed through the collectors. The expected values are
// read off the captures themselves, never off what the collectors happen to return.

const DIR = join(FIXTURES, 'public-captures', 'windows');
const capture = (name: string) => readFileSync(join(DIR, name), 'utf8');
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

function ctxFor(commands: Record<string, ReplayCommand>): { ctx: CollectorContext; runner: ReplayRunner } {
  const runner = new ReplayRunner({ commands });
  return { ctx: { runner, hints: { executableNames: [] }, allowProbes: false }, runner };
}

// autoruns.ts falls back to schtasks (run from PowerShell) and hands stdout to parseSchtasks; the rest of
// that collector needs registry answers no public capture covers, so the schtasks half is driven alone
async function scheduledTasksFrom(text: string) {
  const { ctx } = ctxFor({ [[POWERSHELL, ...psArgs(SCHTASKS_SCRIPT)].join(' ')]: text });
  const res = await ctx.runner.exec(POWERSHELL, psArgs(SCHTASKS_SCRIPT));
  return parseSchtasks(res.stdout);
}

describe('netsh wlan show interfaces (public captures)', () => {
  it('finds no network in the Windows 11 24H2 "needs location permission" answer', async () => {
    const text = capture('netsh-wlan-interfaces-location-denied-en.txt');
    expect(parseNetshInterfaces(text)).toEqual({});
    expect(parseNetshInterfaces(crlf(text))).toEqual({});
    const { ctx } = ctxFor({ [[POWERSHELL, ...psArgs(NETSH_SCRIPT)].join(' ')]: crlf(text) });
    // nothing else was replayed, so the collector has nothing to report and says why in one line
    await expect(windowsContext.collect(ctx)).rejects.toThrow(/^windows host context: powershell: /);
  });
});

describe('netsh wlan show interfaces in five languages (public captures)', () => {
  // the same two MACs in every capture: the adapter's own (fe:dc:ba:09:87:01) before the SSID line, the
  // access point's after it, under a label each language spells differently
  it.each([
    ['en', 'BSSID'],
    ['de', 'AP BSSID'],
    ['es', 'AP BSSID'],
    ['it', 'BSSID'],
    ['fr', "Point d'accès d’identificateur SSID (Service Set Identifier)"],
  ])('%s: the BSSID is the first MAC after the SSID line (label "%s")', (lang, label) => {
    const file = lang === 'en' ? 'netsh-wlan-interfaces-en.txt' : `netsh-wlan-interfaces-${lang}.txt`;
    const text = capture(file);
    expect(text).toContain(`${label}`);
    for (const t of [text, crlf(text)]) expect(parseNetshInterfaces(t)).toEqual({ wifiSsid: 'SSID-1', wifiBssid: 'fe:dc:ba:09:87:02' });
  });
});

describe('schtasks /query /fo CSV /v (public captures)', () => {
  it('skips the header repeated per task folder and splits quoted and unquoted programs', async () => {
    const text = capture('schtasks-query-fo-csv-v-brianary.csv');
    for (const stdout of [text, crlf(text)]) {
      const tasks = await scheduledTasksFrom(stdout);
      // program and arguments as the same file's `schtasks /query /xml` answers give them, the script
      // pwsh -File runs standing as the program (the wrapper is kept in pathRaw/argsRaw)
      expect(tasks).toEqual([
        {
          name: '\\Backup Windows Terminal Config',
          source: 'scheduled-task',
          displayName: 'Backup Windows Terminal Config',
          path: 'C:\\scripts\\Backup-File.ps1',
          args: 'settings.json',
          pathRaw: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe',
          argsRaw: '-File C:\\scripts\\Backup-File.ps1 settings.json',
          startType: 'enabled',
          state: 'ready',
        },
        {
          name: '\\Update Everything',
          source: 'scheduled-task',
          displayName: 'Update Everything',
          path: 'Update-Everything.ps1',
          pathRaw: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe',
          argsRaw: '-File Update-Everything.ps1',
          startType: 'enabled',
          state: 'ready',
        },
        {
          name: '\\PowerToys\\Autorun for zaphodb',
          source: 'scheduled-task',
          displayName: 'Autorun for zaphodb',
          path: 'C:\\Program Files\\PowerToys\\PowerToys.exe',
          startType: 'enabled',
          state: 'ready',
        },
      ]);
    }
  });

  it('keeps the columns aligned when a task command holds unescaped double quotes', async () => {
    // schtasks writes `"reg query "HKLM\...\DGvtFiFtnZQVmtY" /v "SD""` without doubling the inner
    // quotes; the fields after it must still land in their own columns
    const [task, ...rest] = await scheduledTasksFrom(capture('schtasks-query-fo-csv-v-metasploit.csv'));
    expect(rest).toEqual([]);
    expect(task).toMatchObject({
      name: '\\fzuZbSwfXc',
      source: 'scheduled-task',
      displayName: 'fzuZbSwfXc',
      startType: 'enabled',
      state: 'ready',
      // a bare program name is a command too, and the inner quotes survive
      path: 'reg',
      args: 'query "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\DGvtFiFtnZQVmtY" /v "SD"',
    });
  });
});

describe('Win32_Service ConvertTo-Json (public capture)', () => {
  it('reads a real Windows PowerShell 5.1 single-object answer', async () => {
    const key = [POWERSHELL, ...psArgs(SERVICES_SCRIPT)].join(' ');
    const { ctx } = ctxFor({ [key]: crlf(capture('win32-service-dhcp.json')) });
    const part = await servicesCollector.collect(ctx);
    expect(part.services).toEqual([
      {
        name: 'Dhcp',
        source: 'windows-service',
        startType: 'auto',
        state: 'running',
        file: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Dhcp',
      },
    ]);
    expect(part.settings).toEqual([{ key: SETTING_KEYS.sshServerEnabled, value: false, source: 'Win32_Service: no sshd service' }]);
  });
});
