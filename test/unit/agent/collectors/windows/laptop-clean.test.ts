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
import { fixtureCommands, replayContext } from '../../../../fixtures/windows/make-inventories.ts';

// A managed corporate laptop: Teams, Zoom, Slack, Microsoft 365, OneDrive, Defender, Edge; RDP and
// Remote Assistance off, no sshd. Its processes output starts with a UTF-8 BOM.

const FIX = 'laptop-clean';
const SID = 'S-1-5-21-1004336348-1177238915-682003330-23117';
const U = 'C:\\Users\\amiller';

describe('windows collectors on the clean corporate laptop', () => {
  it('reads processes despite the BOM and identifies them', async () => {
    const ctx = replayContext(FIX);
    const part = await processesCollector.collect(ctx);
    const inv = { processes: part.processes!, packages: [], services: [], sockets: [], devices: [], settings: [], files: [], context: {} };
    await identityEnricher.enrich(ctx, inv);
    expect(inv.processes).toHaveLength(28);
    const teams = inv.processes.find((p) => p.name === 'ms-teams.exe')!;
    expect(teams).toMatchObject({
      pid: 5240,
      exe: 'C:\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\\ms-teams.exe',
      identity: {
        pe: {
          originalFilename: 'ms-teams.exe',
          productName: 'Microsoft Teams',
          companyName: 'Microsoft Corporation',
          fileDescription: 'Microsoft Teams',
        },
        signer: 'Microsoft Corporation',
      },
    });
    expect(inv.processes.find((p) => p.name === 'Zoom.exe')?.identity).toMatchObject({
      signer: 'Zoom Video Communications, Inc.',
      pe: { originalFilename: 'Zoom.exe' },
    });
    expect(inv.processes.find((p) => p.pid === 6788)?.identity).toMatchObject({
      signer: 'Slack Technologies, LLC',
      pe: { companyName: 'Slack Technologies Inc.' },
    });
    expect(inv.processes.find((p) => p.pid === 5660)).toMatchObject({
      name: 'OUTLOOK.EXE',
      cmdline: '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"',
      identity: { pe: { originalFilename: 'Outlook.exe' } },
    });
    expect(inv.processes.find((p) => p.pid === 5904)?.cmdline).toBe(
      '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "C:\\Users\\amiller\\OneDrive - Contoso\\Q4 plan.docx" /o ""',
    );
    expect(inv.processes.filter((p) => p.exe && !p.identity)).toEqual([]);
  });

  it('reads installed programs, skipping keys without a DisplayName and keeping no .ico as a program', async () => {
    const { packages } = await uninstallCollector.collect(replayContext(FIX));
    expect(packages).toEqual([
      {
        name: 'Microsoft 365 Apps for enterprise - en-us',
        version: '16.0.18129.20158',
        publisher: 'Microsoft Corporation',
        path: 'C:\\Program Files\\Microsoft Office',
        exec: 'C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun\\OfficeClickToRun.exe',
        source: 'uninstall',
      },
      {
        name: 'Microsoft OneDrive',
        version: '24.201.1006.0005',
        publisher: 'Microsoft Corporation',
        exec: 'C:\\Program Files\\Microsoft OneDrive\\24.201.1006.0005\\OneDriveSetup.exe',
        source: 'uninstall',
      },
      { name: 'Microsoft Update Health Tools', version: '5.72.0.0', publisher: 'Microsoft Corporation', source: 'uninstall' },
      {
        name: 'Microsoft Edge',
        version: '131.0.2903.86',
        publisher: 'Microsoft Corporation',
        path: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application',
        exec: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
        source: 'uninstall',
      },
      {
        name: 'Microsoft Edge WebView2 Runtime',
        version: '131.0.2903.86',
        publisher: 'Microsoft Corporation',
        path: 'C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application',
        exec: 'C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\131.0.2903.86\\msedgewebview2.exe',
        source: 'uninstall',
      },
      {
        name: 'Slack',
        version: '4.41.105',
        publisher: 'Slack Technologies Inc.',
        path: `${U}\\AppData\\Local\\slack`,
        source: 'uninstall',
      },
      {
        name: 'Zoom Workplace',
        version: '6.2.11 (53157)',
        publisher: 'Zoom Video Communications, Inc.',
        exec: `${U}\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe`,
        source: 'uninstall',
      },
    ]);
  });

  it('reports sshd absent as ssh-server.enabled=false and RDP/Remote Assistance off', async () => {
    const { services, settings } = await servicesCollector.collect(replayContext(FIX));
    expect(services!.map((s) => s.name)).toEqual([
      'ClickToRunSvc',
      'Dnscache',
      'DoSvc',
      'edgeupdate',
      'MicrosoftEdgeElevationService',
      'OneDrive Updater Service',
      'RemoteRegistry',
      'SessionEnv',
      'ssh-agent',
      'TermService',
      'UmRdpService',
      'WdNisSvc',
      'WinDefend',
      'WinRM',
      'wuauserv',
    ]);
    expect(services!.find((s) => s.name === 'WinDefend')).toEqual({
      name: 'WinDefend',
      displayName: 'Microsoft Defender Antivirus Service',
      path: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe',
      startType: 'auto',
      state: 'running',
      source: 'windows-service',
      file: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\WinDefend',
    });
    expect(settings).toEqual([{ key: 'ssh-server.enabled', value: false, source: 'Win32_Service: no sshd service' }]);
    expect((await settingsCollector.collect(replayContext(FIX))).settings).toEqual([
      { key: 'rdp.enabled', value: false, source: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections=1' },
      {
        key: 'remote-assistance.enabled',
        value: false,
        source: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Remote Assistance\\fAllowToGetHelp=0',
      },
    ]);
  });

  it('lists the autostarts every such laptop has', async () => {
    const { services } = await autorunsCollector.collect(replayContext(FIX));
    expect(services!.map((s) => `${s.source} ${s.name} -> ${s.path ?? ''}`)).toEqual([
      'run-key SecurityHealth -> C:\\Windows\\system32\\SecurityHealthSystray.exe',
      'run-key OneDrive -> C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe',
      `run-key com.squirrel.slack.slack -> ${U}\\AppData\\Local\\slack\\slack.exe`,
      'scheduled-task \\MicrosoftEdgeUpdateTaskMachineCore{4C1E7A2B-9D3F-4A5E-B6C7-0D8E9F1A2B3C} -> C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe',
      'scheduled-task \\MicrosoftEdgeUpdateTaskMachineUA{6B2D8F3C-0E4A-4B6F-87D9-1E2F3A4B5C6D} -> C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe',
      `scheduled-task \\OneDrive Reporting Task-${SID} -> C:\\Program Files\\Microsoft OneDrive\\OneDriveStandaloneUpdater.exe`,
      'scheduled-task \\Microsoft\\Office\\Office Automatic Updates 2.0 -> C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun\\OfficeC2RClient.exe',
      'scheduled-task \\Microsoft\\Windows\\RemoteAssistance\\RemoteAssistanceTask -> C:\\Windows\\system32\\RAServer.exe',
      'scheduled-task \\Microsoft\\Windows\\Windows Defender\\Windows Defender Scheduled Scan -> C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe',
    ]);
  });

  it('lists sockets', async () => {
    const { sockets } = await socketsCollector.collect(replayContext(FIX));
    expect(sockets).toHaveLength(15);
    expect(sockets).toContainEqual({
      proto: 'tcp',
      localAddress: '10.20.31.118',
      localPort: 51044,
      remoteAddress: '170.114.52.2',
      remotePort: 443,
      state: 'ESTABLISHED',
      pid: 6500,
      process: 'Zoom',
    });
    expect(sockets).toContainEqual({ proto: 'tcp6', localAddress: '::', localPort: 445, state: 'LISTEN', pid: 4, process: 'System' });
  });

  it('runs every command of the fixture exactly once in a whole scan', async () => {
    const ctx = replayContext(FIX);
    const inv = await collectInventory(windowsPlatform, ctx, { hostname: 'LT-CORP-0142' });
    expect(inv.sources.filter((s) => !s.ok)).toEqual([]);
    expect([...ctx.runner.calls].sort()).toEqual(fixtureCommands(FIX).sort());
  });
});
