import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../../agent/collect.ts';
import { autorunsCollector } from '../../../../../agent/collectors/windows/autoruns.ts';
import { IDENTITY_SCRIPT, identityEnricher } from '../../../../../agent/collectors/windows/identity.ts';
import { windowsPlatform } from '../../../../../agent/collectors/windows/index.ts';
import { processesCollector } from '../../../../../agent/collectors/windows/processes.ts';
import { servicesCollector } from '../../../../../agent/collectors/windows/services.ts';
import { settingsCollector } from '../../../../../agent/collectors/windows/settings.ts';
import { socketsCollector } from '../../../../../agent/collectors/windows/sockets.ts';
import { uninstallCollector } from '../../../../../agent/collectors/windows/uninstall.ts';
import { POWERSHELL } from '../../../../../agent/collectors/windows/powershell.ts';
import { REG_SCRIPT } from '../../../../../agent/collectors/windows/reg.ts';
import { replayContext } from '../../../../fixtures/windows/make-inventories.ts';

// RegistryKey.OpenSubKey's SecurityException message, as the failures fixture replays it
const DENIED = 'Requested registry access is not allowed.';

/** The queries a registry read passed as its base64 data argument. */
function regQueries(call: string): unknown {
  const i = call.indexOf(REG_SCRIPT);
  return i < 0 ? call : JSON.parse(Buffer.from(call.slice(i + REG_SCRIPT.length + 2, -1), 'base64').toString('utf8'));
}

const EVIL = "C:\\Users\\eve\\Downloads\\it's $(Start-Process calc) `n ; & {x}.exe";

describe('windows collectors on hostile but well-formed output', () => {
  it('keeps hostile process names and paths as escaped text and skips records without a pid', async () => {
    const { processes } = await processesCollector.collect(replayContext('hostile'));
    expect(processes).toEqual([
      { pid: 4, ppid: 0, name: 'System' },
      { pid: 4242, ppid: 4420, name: 'any"desk\\n.exe', exe: EVIL, cmdline: `"${EVIL}" --x\\r\\nFAKE: injected line` },
      { pid: 4300, ppid: 4420, name: 'AnyDesk\\u202eexe.txt', exe: 'C:\\Users\\eve\\AppData\\Roaming\\AnyDesk\\u202eexe.txt' },
      {
        pid: 4301,
        ppid: 4420,
        name: 'Ünïcødé – 日本語.exe',
        exe: 'C:\\Users\\eve\\Ünïcødé\\日本語.exe',
        cmdline: '"C:\\Users\\eve\\Ünïcødé\\日本語.exe"',
      },
      { pid: 4302, name: 'nameless.exe', exe: 'C:\\Tools\\nameless.exe' },
    ]);
  });

  it('passes hostile paths to PowerShell only as base64 data and reads odd identity records', async () => {
    const ctx = replayContext('hostile');
    const part = await processesCollector.collect(ctx);
    const inv = { processes: part.processes!, packages: [], services: [], sockets: [], devices: [], settings: [], files: [], context: {} };
    await identityEnricher.enrich(ctx, inv);
    const call = ctx.runner.calls.find((c) => c.includes(IDENTITY_SCRIPT))!;
    const data = call.slice(call.indexOf(IDENTITY_SCRIPT) + IDENTITY_SCRIPT.length + 1);
    expect(data).toMatch(/^'[A-Za-z0-9+/]+={0,2}'$/);
    expect(JSON.parse(Buffer.from(data.slice(1, -1), 'base64').toString('utf8'))).toContain(EVIL);
    const id = (pid: number) => inv.processes.find((p) => p.pid === pid)!.identity;
    expect(id(4242)).toEqual({
      sha256: 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
      size: 5323640,
      pe: { originalFilename: 'AnyDesk.exe', productName: 'AnyDesk', companyName: 'AnyDesk Software GmbH', fileDescription: 'AnyDesk' },
      signer: 'AnyDesk Software GmbH (HashMismatch)',
    });
    expect(id(4300)).toBeUndefined(); // access denied to the file
    expect(id(4301)).toEqual({
      sha256: '00'.repeat(32),
      size: 2048,
      pe: { originalFilename: 'ツール.exe', productName: 'ツール', companyName: 'Fake "Co", Ltd.', fileDescription: 'line1\\nline2' },
      signer: 'O=No Common Name Ltd, C=JP (NotTrusted)',
    });
    expect(id(4302)).toEqual({ size: 1024 }); // unsigned, no version resource, a hash that is not one
  });

  it('reads a single service printed as an object, and an sshd that starts automatically', async () => {
    expect(await servicesCollector.collect(replayContext('hostile'))).toEqual({
      services: [
        {
          name: 'sshd',
          displayName: 'OpenSSH SSH Server',
          path: 'C:\\Windows\\System32\\OpenSSH\\sshd.exe',
          startType: 'auto',
          state: 'running',
          source: 'windows-service',
          file: 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\sshd',
        },
      ],
      settings: [{ key: 'ssh-server.enabled', value: true, source: 'Win32_Service sshd (StartMode auto, State running)' }],
      // no environment answer in this fixture: the services still come, with a one-line reason
      warnings: [`paths keep their %variables%: environment variables failed: ${POWERSHELL} not found`],
    });
  });

  it('reads TCP states given as names, IPv6 scope ids, and skips endpoints without an address', async () => {
    expect((await socketsCollector.collect(replayContext('hostile'))).sockets).toEqual([
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 7070, state: 'LISTEN', pid: 4242, process: 'any"desk\\n' },
      {
        proto: 'tcp6',
        localAddress: 'fe80::1c2d:3e4f:5a6b:7c8d%12',
        localPort: 50100,
        remoteAddress: 'fe80::aa:bbff:fecc:ddee%12',
        remotePort: 22,
        state: 'ESTABLISHED',
        pid: 4301,
      },
      {
        proto: 'tcp',
        localAddress: '127.0.0.1',
        localPort: 50200,
        remoteAddress: '127.0.0.1',
        remotePort: 7070,
        state: 'TIME_WAIT',
        pid: 0,
      },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 50300, state: 'BOUND', pid: 4300 },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 50400, state: 'SOMETHINGNEW', pid: 4300 },
    ]);
  });

  it('reads only direct Uninstall subkeys with a DisplayName; a missing key in another language is proved absent', async () => {
    const ctx = replayContext('hostile');
    expect((await uninstallCollector.collect(ctx)).packages).toEqual([
      {
        name: 'Evil    REG_SZ    Name',
        publisher: 'Ünïcødé GmbH™',
        path: '%ProgramFiles%\\Evil Tool\\',
        exec: 'C:\\Program Files\\Evil Tool\\evil.exe',
        source: 'uninstall',
      },
    ]);
    // HKU lists .DEFAULT, a non-SID and a nested name: only S-1-5-18 is queried; the German-language
    // machine's missing WOW6432Node key is Found=false, whatever language reg.exe would have said it in
    const U = 'Microsoft\\Windows\\CurrentVersion\\Uninstall';
    expect(ctx.runner.calls.map(regQueries)).toEqual([
      [{ k: 'HKU' }],
      [
        { k: `HKLM\\SOFTWARE\\${U}`, s: 1 },
        { k: `HKLM\\SOFTWARE\\WOW6432Node\\${U}`, s: 1 },
        { k: `HKU\\S-1-5-18\\Software\\${U}`, s: 1 },
      ],
    ]);
  });

  it('reads odd Run values, and falls back to schtasks (quoted, duplicated and short rows) with a warning', async () => {
    const { services, warnings } = await autorunsCollector.collect(replayContext('hostile'));
    expect(warnings).toEqual([
      `paths keep their %variables%: environment variables failed: ${POWERSHELL} not found`,
      "scheduled tasks read with schtasks, whose labels are in the system language: Get-ScheduledTask failed: Get-ScheduledTask : The term 'Get-ScheduledTask' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
    ]);
    const RUN = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run';
    expect(services).toEqual([
      { name: 'Updater "quoted"', path: 'C:\\Program Files\\Odd Vendor\\upd.exe', args: '-silent', source: 'run-key', file: RUN },
      { name: 'Unterminated', path: 'C:\\Program Files\\Odd Vendor\\half.exe -x', source: 'run-key', file: RUN },
      {
        name: '\\Say hi, then leave',
        displayName: 'Say hi, then leave',
        path: 'C:\\Users\\eve\\a, b\\tool.exe',
        args: '--arg "x"',
        startType: 'enabled',
        state: 'ready',
        source: 'scheduled-task',
      },
      { name: '\\Multi', displayName: 'Multi', startType: 'enabled', state: 'ready', source: 'scheduled-task' },
    ]);
  });

  it('emits no Remote Assistance setting when the value is absent', async () => {
    expect((await settingsCollector.collect(replayContext('hostile'))).settings).toEqual([
      { key: 'rdp.enabled', value: true, source: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections=0' },
    ]);
  });
});

describe('windows collectors on malformed output', () => {
  it('throw one-line errors', async () => {
    await expect(processesCollector.collect(replayContext('malformed'))).rejects.toThrow(
      /^Win32_Process: output is not valid JSON \([^\n]+\)$/,
    );
    await expect(servicesCollector.collect(replayContext('malformed'))).rejects.toThrow(
      /^Win32_Service: expected JSON objects, got string$/,
    );
    await expect(socketsCollector.collect(replayContext('malformed'))).rejects.toThrow(
      /^Get-NetTCPConnection: output is not valid JSON \([^\n]+\)$/,
    );
  });
});

describe('windows collectors when sources fail', () => {
  it('throw one line naming the source and the reason', async () => {
    const ctx = () => replayContext('failures');
    await expect(processesCollector.collect(ctx())).rejects.toThrow(
      new Error(`Get-CimInstance Win32_Process failed: ${POWERSHELL} not found`),
    );
    await expect(servicesCollector.collect(ctx())).rejects.toThrow(
      new Error('Get-CimInstance Win32_Service failed: Get-CimInstance : Access denied'),
    );
    await expect(socketsCollector.collect(ctx())).rejects.toThrow(new Error(`Get-NetTCPConnection failed: ${POWERSHELL}: ETIMEDOUT`));
    await expect(uninstallCollector.collect(ctx())).rejects.toThrow(
      new Error(`registry read HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall failed: ${DENIED}`),
    );
    // Get-ScheduledTask timed out, and so did the schtasks fallback
    await expect(autorunsCollector.collect(ctx())).rejects.toThrow(
      new Error(`Get-ScheduledTask failed: ${POWERSHELL}: ETIMEDOUT; schtasks /query failed: ${POWERSHELL}: ETIMEDOUT`),
    );
    await expect(settingsCollector.collect(ctx())).rejects.toThrow(
      new Error(`registry read HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server value fDenyTSConnections failed: ${DENIED}`),
    );
  });

  it('are recorded in the inventory sources while the scan goes on', async () => {
    const inv = await collectInventory(windowsPlatform, replayContext('failures'), { hostname: 'FAIL-PC' });
    const byName = Object.fromEntries(inv.sources.map((s) => [s.name, s]));
    expect(byName['windows.processes']).toMatchObject({
      ok: false,
      error: `Get-CimInstance Win32_Process failed: ${POWERSHELL} not found`,
    });
    expect(byName['windows.sockets']).toMatchObject({ ok: false, error: `Get-NetTCPConnection failed: ${POWERSHELL}: ETIMEDOUT` });
    expect(byName['windows.uninstall']).toMatchObject({
      ok: false,
      error: `registry read HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall failed: ${DENIED}`,
    });
    expect(byName['windows.identity']).toMatchObject({ ok: true }); // nothing to fingerprint
    for (const s of inv.sources) if (s.error) expect(s.error).not.toContain('\n');
    expect(inv.processes).toEqual([]);
  });
});
