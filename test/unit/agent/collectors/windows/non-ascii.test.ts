import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../../agent/collect.ts';
import { autorunsCollector } from '../../../../../agent/collectors/windows/autoruns.ts';
import { windowsContext } from '../../../../../agent/collectors/windows/context.ts';
import { windowsPlatform } from '../../../../../agent/collectors/windows/index.ts';
import { POWERSHELL } from '../../../../../agent/collectors/windows/powershell.ts';
import { uninstallCollector } from '../../../../../agent/collectors/windows/uninstall.ts';
import { replayContext } from '../../../../fixtures/windows/make-inventories.ts';

// Cyrillic, Korean and accented names end to end through the collectors. reg.exe, schtasks.exe and
// netsh.exe printed them in the console code page (CP866 on a Russian Windows, CP949 on a Korean one),
// which the runner's UTF-8 decoding turned into U+FFFD; every source is now PowerShell printing UTF-8
// (see test/fixtures/windows/non-ascii/README.md). The fixture files hold those UTF-8 bytes and are
// decoded by the replay runner as the real runner decodes a child's stdout.

const FIX = 'non-ascii';
const SID = 'S-1-5-21-1004336348-1177238915-682003330-1001';
const RU = 'C:\\Program Files\\Удалённый помощник';
const KO = 'C:\\Program Files\\원격지원';

describe('non-ASCII names on a Windows machine', () => {
  it('Uninstall entries keep Cyrillic, Korean and accented names and publishers', async () => {
    const { packages } = await uninstallCollector.collect(replayContext(FIX));
    expect(packages).toEqual([
      {
        name: 'Удалённый помощник',
        version: '3.2.1',
        publisher: 'ООО «Удалёнка»',
        path: `${RU}\\`,
        exec: `${RU}\\помощник.exe`,
        source: 'uninstall',
      },
      { name: '원격 지원 도구', version: '7.0', publisher: '(주)원격소프트', exec: `${KO}\\원격지원.exe`, source: 'uninstall' },
      {
        name: 'Accès à distance',
        version: '2.4',
        publisher: 'Société Générale de Logiciels SàRL',
        path: '%ProgramFiles(x86)%\\Accès\\',
        source: 'uninstall',
      },
    ]);
  });

  it('Run values and scheduled tasks keep their names, folders, programs and arguments', async () => {
    const { services, warnings } = await autorunsCollector.collect(replayContext(FIX));
    expect(services).toEqual([
      {
        name: 'Помощник',
        path: `${RU}\\помощник.exe`,
        args: '--трей',
        source: 'run-key',
        file: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
      },
      {
        name: '원격지원 알림',
        path: 'C:\\Users\\김민준\\AppData\\Local\\원격지원\\알림.exe',
        source: 'run-key',
        file: `HKEY_USERS\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`,
      },
      {
        name: '\\원격 지원\\업데이트 확인',
        displayName: '업데이트 확인',
        path: `${KO}\\원격지원.exe`,
        args: '--업데이트',
        startType: 'enabled',
        state: 'ready',
        source: 'scheduled-task',
      },
      {
        name: '\\Синхронизация',
        displayName: 'Синхронизация',
        path: `${RU}\\помощник.exe`,
        startType: 'disabled',
        state: 'disabled',
        source: 'scheduled-task',
      },
    ]);
    // this fixture has no environment answer; no schtasks fallback was needed
    expect(warnings).toEqual([`paths keep their %variables%: environment variables failed: ${POWERSHELL} not found`]);
  });

  it('a Cyrillic SSID from netsh run through PowerShell', async () => {
    const part = await windowsContext.collect(replayContext(FIX));
    expect(part.context).toMatchObject({ wifiSsid: 'Кафе «Ромашка»', wifiBssid: '9c:53:22:4d:5e:6f' });
  });

  it('starts no Windows program but PowerShell, and that by absolute path', async () => {
    const ctx = replayContext(FIX);
    await collectInventory(windowsPlatform, ctx, { hostname: 'ПК-БУХГАЛТЕРИЯ' });
    expect(POWERSHELL).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(ctx.runner.calls.length).toBeGreaterThan(5);
    for (const c of ctx.runner.calls)
      expect(
        c.startsWith(
          `${POWERSHELL} -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command $ProgressPreference='SilentlyContinue';$ErrorActionPreference='Stop';[Console]::OutputEncoding=New-Object Text.UTF8Encoding $false;`,
        ),
      ).toBe(true);
  });
});
