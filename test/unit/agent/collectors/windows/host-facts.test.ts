import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../../agent/collect.ts';
import { windowsUser } from '../../../../../agent/collectors/windows/console-user.ts';
import { windowsContext } from '../../../../../agent/collectors/windows/context.ts';
import { HOST_FACTS_SCRIPT } from '../../../../../agent/collectors/windows/host-facts.ts';
import { windowsPlatform } from '../../../../../agent/collectors/windows/index.ts';
import { POWERSHELL, psArgs } from '../../../../../agent/collectors/windows/powershell.ts';
import { privilegeCollector } from '../../../../../agent/collectors/windows/privilege.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';

// The administrator check, the console user and the host context share one PowerShell run
// (host-facts.ts); each still fails on its own. Replays test/fixtures/windows (README.md, "Host facts").

const FIX = resolve(import.meta.dirname, '../../../../fixtures/windows');
const KEY = [POWERSHELL, ...psArgs(HOST_FACTS_SCRIPT)].join(' ');
const ctxOf = (runner: ReplayRunner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });

const CONTEXT = '{"TimeZone":"Eastern Standard Time","Culture":"en-US","Languages":[],"Users":[],"GatewayIp":null,"GatewayMac":null}';

describe('Windows host facts: one PowerShell run for three collectors', () => {
  it('a whole Windows scan starts PowerShell once for the three, and 14 times in all', async () => {
    const runner = loadReplayDir(join(FIX, 'laptop-anydesk'));
    const inv = await collectInventory(windowsPlatform, ctxOf(runner), { hostname: 'DESKTOP-8K2M4QD' });
    expect(runner.calls.filter((c) => c === KEY)).toHaveLength(1);
    // nothing else asks for what the host-facts run answers
    expect(runner.calls.filter((c) => /IsInRole|Win32_ComputerSystem|Get-WinUserLanguageList/.test(c))).toEqual([KEY]);
    expect(runner.calls.every((c) => c.startsWith(`${POWERSHELL} `))).toBe(true);
    expect(runner.calls).toHaveLength(14); // 16 before the three were one
    for (const name of ['windows.privilege', 'windows.user', 'windows.context'])
      expect(
        inv.sources.find((s) => s.name === name),
        name,
      ).toMatchObject({ ok: true });
    expect(inv.host.user).toBe('DESKTOP-8K2M4QD\\alex');
    expect(inv.context).toMatchObject({ timezone: 'Eastern Standard Time', defaultGatewayMac: 'a4:2b:b0:c1:d2:e3' });
  });

  it('a section that failed fails only its own collector, with its first line', async () => {
    const runner = new ReplayRunner({
      commands: {
        [KEY]: `{"Privilege":{"Error":"Access is denied.\\r\\n   at System.Security.Principal..."},"ConsoleUser":{"UserName":null},"Context":${CONTEXT}}\r\n`,
      },
    });
    const ctx = ctxOf(runner);
    await expect(privilegeCollector.collect(ctx)).rejects.toThrow(/^administrator check failed: Access is denied\.$/);
    expect(await windowsUser.collect(ctx)).toEqual({}); // nobody at the console
    expect((await windowsContext.collect(ctx)).context).toEqual({ timezone: 'Eastern Standard Time', locale: 'en-US' });
    expect(runner.calls.filter((c) => c === KEY)).toHaveLength(1);
  });

  it('a missing section, a non-object answer and a failed run each give one line per collector', async () => {
    const partial = ctxOf(new ReplayRunner({ commands: { [KEY]: `{"Context":${CONTEXT}}` } }));
    await expect(privilegeCollector.collect(partial)).rejects.toThrow(
      /^administrator check: no Privilege section in the PowerShell host facts$/,
    );
    await expect(windowsUser.collect(partial)).rejects.toThrow(/^console user: no ConsoleUser section/);

    const garbled = ctxOf(new ReplayRunner({ commands: { [KEY]: '[1,2]' } }));
    await expect(windowsUser.collect(garbled)).rejects.toThrow(/^console user: PowerShell host facts: printed no object$/);

    const failed = ctxOf(new ReplayRunner({ commands: { [KEY]: { code: 1, stderr: 'ConvertTo-Json : depth\r\nAt line:1 char:2\r\n' } } }));
    await expect(windowsUser.collect(failed)).rejects.toThrow(/^console user: PowerShell host facts failed: ConvertTo-Json : depth$/);
    await expect(windowsContext.collect(failed)).rejects.toThrow(/^windows host context: powershell: PowerShell host context: /);
  });
});
