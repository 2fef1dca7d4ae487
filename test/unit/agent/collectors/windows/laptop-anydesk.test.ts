import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../../agent/collect.ts';
import { autorunsCollector } from '../../../../../agent/collectors/windows/autoruns.ts';
import { identityEnricher } from '../../../../../agent/collectors/windows/identity.ts';
import { windowsPlatform } from '../../../../../agent/collectors/windows/index.ts';
import { processesCollector } from '../../../../../agent/collectors/windows/processes.ts';
import { servicesCollector } from '../../../../../agent/collectors/windows/services.ts';
import { settingsCollector } from '../../../../../agent/collectors/windows/settings.ts';
import { socketsCollector } from '../../../../../agent/collectors/windows/sockets.ts';
import { uninstallCollector } from '../../../../../agent/collectors/windows/uninstall.ts';
import type { InventoryPart } from '../../../../../agent/collectors/types.ts';
import { ENV_SCRIPT } from '../../../../../agent/collectors/windows/environment.ts';
import { POWERSHELL } from '../../../../../agent/collectors/windows/powershell.ts';
import { REG_SCRIPT } from '../../../../../agent/collectors/windows/reg.ts';
import { TASKS_SCRIPT } from '../../../../../agent/collectors/windows/tasks.ts';
import { fixtureCommands, replayContext } from '../../../../fixtures/windows/make-inventories.ts';

// A laptop with AnyDesk (plus a renamed copy), TeamViewer, RustDesk, ScreenConnect, Splashtop and Chrome
// Remote Desktop, RDP and Remote Assistance switched on and msra.exe running.

const FIX = 'laptop-anydesk';
const AD = 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe';
const SC = 'C:\\Program Files (x86)\\ScreenConnect Client (4b9e2f7a1c3d5e60)';
const SID = 'S-1-5-21-2718281828-3141592653-1618033988-1001';

// hashes of files we have no copy of are placeholders (see the fixture README)
function placeholderSha(path: string): string {
  return createHash('sha256')
    .update('ratwatch-fixture:' + path.toLowerCase())
    .digest('hex');
}

function full(part: InventoryPart): Required<InventoryPart> {
  return { processes: [], packages: [], services: [], sockets: [], devices: [], settings: [], files: [], context: {}, ...part };
}

describe('windows collectors on the AnyDesk laptop', () => {
  it('lists processes with their real executable and command line', async () => {
    const { processes } = await processesCollector.collect(replayContext(FIX));
    expect(processes).toHaveLength(38);
    expect(processes!.find((p) => p.pid === 0)).toEqual({ pid: 0, ppid: 0, name: 'System Idle Process' });
    expect(processes!.find((p) => p.pid === 2968)).toEqual({
      pid: 2968,
      ppid: 868,
      name: 'AnyDesk.exe',
      exe: AD,
      cmdline: `"${AD}" --service`,
    });
    expect(processes!.find((p) => p.pid === 6240)).toEqual({
      pid: 6240,
      ppid: 4420,
      name: 'notepad2.exe',
      exe: 'C:\\Users\\jsmith\\Downloads\\notepad2.exe',
      cmdline: '"C:\\Users\\jsmith\\Downloads\\notepad2.exe"',
    });
    // ConvertTo-Json (5.1) wrote & as \u0026; it reads back as &
    expect(processes!.find((p) => p.pid === 3104)?.cmdline).toContain(
      '"?e=Access&y=Guest&h=instance-7kq2xp-relay.screenconnect.com&p=443&',
    );
    expect(processes!.filter((p) => p.name === 'rustdesk.exe').map((p) => p.cmdline)).toEqual([
      '"C:\\Program Files\\RustDesk\\rustdesk.exe" --service',
      '"C:\\Program Files\\RustDesk\\rustdesk.exe" --server',
      '"C:\\Program Files\\RustDesk\\rustdesk.exe" --tray',
    ]);
  });

  it('identifies each executable: PE names, signer, hash; a renamed AnyDesk still says AnyDesk', async () => {
    const ctx = replayContext(FIX);
    const inv = full(await processesCollector.collect(ctx));
    await identityEnricher.enrich(ctx, inv);
    const byPid = (pid: number) => inv.processes.find((p) => p.pid === pid)!;
    expect(byPid(6240).identity).toEqual({
      sha256: placeholderSha('C:\\Users\\jsmith\\Downloads\\notepad2.exe'),
      size: 4055736,
      pe: { originalFilename: 'AnyDesk.exe', productName: 'AnyDesk', companyName: 'philandro Software GmbH', fileDescription: 'AnyDesk' },
      signer: 'philandro Software GmbH',
    });
    expect(byPid(2968).identity).toEqual({
      sha256: '864e2c3675d05cd4816a42167b45ab66e3d5995fae7e1fd680223940061b9803',
      size: 5323640,
      pe: { originalFilename: 'AnyDesk.exe', productName: 'AnyDesk', companyName: 'AnyDesk Software GmbH', fileDescription: 'AnyDesk' },
      signer: 'AnyDesk Software GmbH',
    });
    expect(byPid(5120).identity).toEqual(byPid(2968).identity); // same file, looked at once
    expect(byPid(3012).identity?.signer).toBe('TeamViewer Germany GmbH');
    expect(byPid(3012).identity?.pe?.originalFilename).toBe('TeamViewer_Service.exe');
    expect(byPid(3056).identity?.signer).toBe('PURSLANE');
    expect(byPid(3056).identity?.pe).toEqual({
      originalFilename: 'rustdesk.exe',
      productName: 'RustDesk',
      companyName: 'Purslane Ltd',
      fileDescription: 'RustDesk Remote Desktop',
    });
    expect(byPid(3104).identity?.signer).toBe('ConnectWise, LLC');
    expect(byPid(3150).identity?.pe?.fileDescription).toBe('Splashtop® Remote Service');
    expect(byPid(3150).identity?.signer).toBe('Splashtop Inc.');
    expect(byPid(3188).identity?.signer).toBe('Google LLC');
    expect(byPid(6012).identity?.pe).toEqual({
      originalFilename: 'msra.exe',
      productName: 'Microsoft® Windows® Operating System',
      companyName: 'Microsoft Corporation',
      fileDescription: 'Windows Remote Assistance',
    });
    expect(byPid(6012).identity?.signer).toBe('Microsoft Windows');
    // the installer's temp file was gone by the time it was looked at
    expect(byPid(6588).identity).toBeUndefined();
    expect(inv.processes.filter((p) => p.exe && !p.identity).map((p) => p.pid)).toEqual([6588]);
    expect(ctx.runner.calls.filter((c) => c.startsWith(POWERSHELL))).toHaveLength(2); // processes + one identity call
  });

  it('reads installed programs from the machine, 32-bit and user Uninstall keys', async () => {
    const { packages } = await uninstallCollector.collect(replayContext(FIX));
    expect(packages).toEqual([
      {
        name: 'RustDesk',
        version: '1.4.1',
        publisher: 'RustDesk',
        path: 'C:\\Program Files\\RustDesk',
        exec: 'C:\\Program Files\\RustDesk\\rustdesk.exe',
        source: 'uninstall',
      },
      {
        name: 'TeamViewer',
        version: '15.60.3',
        publisher: 'TeamViewer',
        path: 'C:\\Program Files\\TeamViewer',
        exec: 'C:\\Program Files\\TeamViewer\\TeamViewer.exe',
        source: 'uninstall',
      },
      {
        name: 'Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.40.33810',
        version: '14.40.33810',
        publisher: 'Microsoft Corporation',
        source: 'uninstall',
      },
      {
        name: 'AnyDesk',
        version: 'ad 9.0.4',
        publisher: 'AnyDesk Software GmbH',
        path: 'C:\\Program Files (x86)\\AnyDesk',
        exec: AD,
        source: 'uninstall',
      },
      {
        name: 'Google Chrome',
        version: '131.0.6778.86',
        publisher: 'Google LLC',
        path: 'C:\\Program Files\\Google\\Chrome\\Application',
        exec: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
        source: 'uninstall',
      },
      { name: 'Chrome Remote Desktop Host', version: '131.0.6778.25', publisher: 'Google LLC', source: 'uninstall' },
      { name: 'ScreenConnect Client (4b9e2f7a1c3d5e60)', version: '24.3.7.9067', publisher: 'ScreenConnect Software', source: 'uninstall' },
      {
        name: 'Splashtop Streamer',
        version: '3.7.2.4',
        publisher: 'Splashtop Inc.',
        path: 'C:\\Program Files (x86)\\Splashtop\\Splashtop Remote\\',
        exec: 'C:\\Windows\\Installer\\{B7C5EA94-B96A-41F5-BE95-25D78B486678}\\ARPPRODUCTICON.exe',
        source: 'uninstall',
      },
      {
        name: 'Splashtop Software Updater',
        version: '1.5.6.21',
        publisher: 'Splashtop Inc.',
        exec: 'C:\\Program Files (x86)\\Splashtop\\Splashtop Software Updater\\SSUService.exe',
        source: 'uninstall',
      },
      {
        name: 'Microsoft OneDrive',
        version: '24.201.1006.0005',
        publisher: 'Microsoft Corporation',
        exec: 'C:\\Users\\jsmith\\AppData\\Local\\Microsoft\\OneDrive\\24.201.1006.0005\\OneDriveSetup.exe',
        source: 'uninstall',
      },
    ]);
  });

  it('lists services with the program parsed out of PathName, and sshd as a setting', async () => {
    const { services, settings } = await servicesCollector.collect(replayContext(FIX));
    expect(services).toHaveLength(18);
    const by = (n: string) => services!.find((s) => s.name === n);
    expect(by('AnyDesk')).toEqual({
      name: 'AnyDesk',
      displayName: 'AnyDesk Service',
      path: AD,
      args: '--service',
      startType: 'auto',
      state: 'running',
      source: 'windows-service',
      file: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\AnyDesk',
    });
    expect(by('TeamViewer')).toEqual({
      name: 'TeamViewer',
      displayName: 'TeamViewer',
      path: 'C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe',
      startType: 'auto',
      state: 'running',
      source: 'windows-service',
      file: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\TeamViewer',
    });
    expect(by('ScreenConnect Client (4b9e2f7a1c3d5e60)')).toMatchObject({
      path: `${SC}\\ScreenConnect.ClientService.exe`,
      args: expect.stringMatching(/^"\?e=Access&y=Guest&h=instance-7kq2xp-relay\.screenconnect\.com&p=443&s=/),
    });
    expect(by('SplashtopRemoteService')).toMatchObject({
      displayName: 'Splashtop® Remote Service',
      path: 'C:\\Program Files (x86)\\Splashtop\\Splashtop Remote\\Server\\SRService.exe',
    });
    expect(by('chromoting')).toMatchObject({
      displayName: 'Chrome Remote Desktop Service',
      path: 'C:\\Program Files (x86)\\Google\\Chrome Remote Desktop\\131.0.6778.25\\remoting_host.exe',
      args: '--type=daemon',
    });
    expect(by('RustDesk')).toMatchObject({
      displayName: 'RustDesk Service',
      path: 'C:\\Program Files\\RustDesk\\rustdesk.exe',
      args: '--service',
    });
    expect(by('TermService')).toMatchObject({
      path: 'C:\\Windows\\system32\\svchost.exe',
      args: '-k NetworkService',
      startType: 'manual',
      state: 'running',
    });
    expect(settings).toEqual([{ key: 'ssh-server.enabled', value: false, source: 'Win32_Service sshd (StartMode manual, State stopped)' }]);
  });

  it('lists Run keys and scheduled tasks, folding repeated headers and trigger rows', async () => {
    const ctx = replayContext(FIX);
    const { services } = await autorunsCollector.collect(ctx);
    const HKLM_RUN = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run';
    const USER_RUN = `HKEY_USERS\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`;
    expect(services!.filter((s) => s.source === 'run-key')).toEqual([
      // REG_EXPAND_SZ values expanded with the machine's variables, the text as written kept beside
      {
        name: 'SecurityHealth',
        path: 'C:\\Windows\\system32\\SecurityHealthSystray.exe',
        pathRaw: '%windir%\\system32\\SecurityHealthSystray.exe',
        source: 'run-key',
        file: HKLM_RUN,
      },
      {
        name: 'RustDesk Tray',
        path: 'C:\\Program Files\\RustDesk\\rustdesk.exe',
        args: '--tray',
        pathRaw: '%ProgramFiles%\\RustDesk\\rustdesk.exe',
        argsRaw: '--tray',
        source: 'run-key',
        file: HKLM_RUN,
      },
      {
        name: 'RtkAudUService',
        path: 'C:\\Windows\\System32\\DriverStore\\FileRepository\\realtekservice.inf_amd64_2d5bbba7f2d2a1b8\\RtkAudUService64.exe',
        args: '-background',
        source: 'run-key',
        file: HKLM_RUN,
      },
      {
        name: 'OneDrive',
        path: 'C:\\Users\\jsmith\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe',
        args: '/background',
        source: 'run-key',
        file: USER_RUN,
      },
      { name: 'Notepad2', path: 'C:\\Users\\jsmith\\Downloads\\notepad2.exe', args: '--tray', source: 'run-key', file: USER_RUN },
      // the user's own %LOCALAPPDATA% (not SYSTEM's), and the script wscript runs rather than wscript
      {
        name: 'SyncHelper',
        path: 'C:\\Users\\jsmith\\AppData\\Local\\SyncHelper\\run.vbs',
        args: '/quiet',
        pathRaw: 'wscript.exe',
        argsRaw: '//B //Nologo "%LOCALAPPDATA%\\SyncHelper\\run.vbs" /quiet',
        source: 'run-key',
        file: USER_RUN,
      },
    ]);
    const tasks = services!.filter((s) => s.source === 'scheduled-task');
    expect(tasks.map((t) => t.name)).toEqual([
      '\\GoogleUpdaterTaskSystem131.0.6778.86{3B0B3B2C-5A41-4D3F-9C2B-0F6E1A7D8C45}',
      '\\MicrosoftEdgeUpdateTaskMachineCore{8E2B4F6A-1C3D-4E5F-9A0B-7C6D5E4F3A21}',
      '\\Notepad2 Update',
      `\\OneDrive Reporting Task-${SID}`,
      '\\Microsoft\\Windows\\Application Experience\\MareBackup',
      '\\Microsoft\\Windows\\Application Experience\\PcaPatchDbTask',
      '\\Microsoft\\Windows\\RemoteAssistance\\RemoteAssistanceTask',
    ]);
    expect(tasks[2]).toEqual({
      name: '\\Notepad2 Update',
      displayName: 'Notepad2 Update',
      path: 'C:\\Users\\jsmith\\Downloads\\notepad2.exe',
      args: '--silent --start-with-win',
      startType: 'enabled',
      state: 'running',
      source: 'scheduled-task',
    });
    expect(tasks[5]).toEqual({
      name: '\\Microsoft\\Windows\\Application Experience\\PcaPatchDbTask',
      displayName: 'PcaPatchDbTask',
      startType: 'enabled',
      state: 'ready',
      source: 'scheduled-task',
    });
    // one registry read for HKU, one for all Run keys (the service accounts' hives answer Found=false),
    // one Get-ScheduledTask, one environment read; no schtasks fallback
    const scriptOf = (call: string) =>
      call.includes(REG_SCRIPT) ? 'registry' : call.includes(ENV_SCRIPT) ? 'environment' : call.includes(TASKS_SCRIPT) ? 'tasks' : call;
    expect(ctx.runner.calls.map(scriptOf)).toEqual(['environment', 'registry', 'registry', 'tasks']);
  });

  it('reads RDP and Remote Assistance switches', async () => {
    expect((await settingsCollector.collect(replayContext(FIX))).settings).toEqual([
      { key: 'rdp.enabled', value: true, source: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections=0' },
      {
        key: 'remote-assistance.enabled',
        value: true,
        source: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Remote Assistance\\fAllowToGetHelp=1',
      },
    ]);
  });

  it('lists sockets with owner pid and process name', async () => {
    const { sockets } = await socketsCollector.collect(replayContext(FIX));
    expect(sockets).toHaveLength(18);
    expect(sockets).toContainEqual({
      proto: 'tcp',
      localAddress: '0.0.0.0',
      localPort: 7070,
      state: 'LISTEN',
      pid: 2968,
      process: 'AnyDesk',
    });
    expect(sockets).toContainEqual({ proto: 'tcp6', localAddress: '::', localPort: 3389, state: 'LISTEN', pid: 1180, process: 'svchost' });
    expect(sockets).toContainEqual({
      proto: 'tcp',
      localAddress: '192.168.1.23',
      localPort: 50544,
      remoteAddress: '217.146.13.135',
      remotePort: 5938,
      state: 'ESTABLISHED',
      pid: 3012,
      process: 'TeamViewer_Service',
    });
    expect(sockets).toContainEqual({
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: 50611,
      remoteAddress: '127.0.0.1',
      remotePort: 5939,
      state: 'TIME_WAIT',
      pid: 0,
      process: 'Idle',
    });
    expect(sockets).toContainEqual({
      proto: 'udp',
      localAddress: '0.0.0.0',
      localPort: 50001,
      state: 'UNCONN',
      pid: 2968,
      process: 'AnyDesk',
    });
    expect(sockets).toContainEqual({ proto: 'udp6', localAddress: '::', localPort: 3389, state: 'UNCONN', pid: 1180, process: 'svchost' });
  });

  it('runs every command of the fixture exactly once in a whole scan', async () => {
    const ctx = replayContext(FIX);
    const inv = await collectInventory(windowsPlatform, ctx, { hostname: 'DESKTOP-8K2M4QD' });
    expect(inv.sources.filter((s) => !s.ok)).toEqual([]);
    expect([...ctx.runner.calls].sort()).toEqual(fixtureCommands(FIX).sort());
  });
});
