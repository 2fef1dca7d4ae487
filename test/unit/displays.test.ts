import { describe, expect, it } from 'vitest';
import { linuxDisplays } from '../../agent/collectors/linux/displays.ts';
import { darwinDisplays, parseSpDisplays } from '../../agent/collectors/macos/displays.ts';
import { displayDevices, windowsDisplays } from '../../agent/collectors/windows/displays.ts';
import { parseRegQuery } from '../../agent/collectors/windows/reg.ts';
import type { CollectorContext } from '../../agent/collectors/types.ts';
import { loadReplayDir, ReplayRunner } from '../../agent/replay-runner.ts';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const ctxFor = (runner: ReplayRunner): CollectorContext => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const replay = (dir: string) => ctxFor(loadReplayDir(FIX + dir));

describe('linux.displays', () => {
  it('reports the PiKVM behind HDMI and skips the empty connector', async () => {
    const part = await linuxDisplays.collect(replay('linux/displays-pikvm'));
    expect(part.devices).toEqual([
      { bus: 'display', kind: 'display', manufacturer: 'LNX', productId: '7771', name: 'PiKVM V3', serial: 'CAFEBABE', path: '/sys/class/drm/card0-HDMI-A-1/edid' },
    ]);
  });

  it('reports a TinyPilot by its monitor name', async () => {
    const part = await linuxDisplays.collect(replay('linux/displays-tinypilot'));
    expect(part.devices?.map((d) => [d.manufacturer, d.name])).toEqual([['TSB', 'TinyPilot']]);
  });

  it('reports an ordinary Dell monitor as such', async () => {
    const part = await linuxDisplays.collect(replay('linux/displays-office'));
    expect(part.devices).toEqual([
      { bus: 'display', kind: 'display', manufacturer: 'DEL', productId: 'a079', name: 'DELL U2412M', serial: 'YPPY077C30AU', path: '/sys/class/drm/card1-DP-1/edid' },
    ]);
  });

  it('skips garbage edid files and fails with one line when DRM is absent', async () => {
    const runner = new ReplayRunner({
      files: {
        '/sys/class/drm/card0-HDMI-A-1/edid': Buffer.from('\x1b[31mnot an edid at all\n'.repeat(10)),
        '/sys/class/drm/version': 'drm 1.1.0 20060810\n',
      },
    });
    expect((await linuxDisplays.collect(ctxFor(runner))).devices).toEqual([]);
    await expect(linuxDisplays.collect(ctxFor(new ReplayRunner({})))).rejects.toThrow(/^cannot list \/sys\/class\/drm: ENOENT$/);
  });
});

describe('windows.displays', () => {
  it('parses reg query output (CRLF) into both monitors, the PiKVM V4 Plus included', async () => {
    const runner = loadReplayDir(FIX + 'windows/displays-pikvm');
    const part = await windowsDisplays.collect(ctxFor(runner));
    expect(runner.calls).toEqual(['reg.exe query HKLM\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY /s']);
    const base = 'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY';
    expect(part.devices).toEqual([
      { bus: 'display', kind: 'display', manufacturer: 'DEL', productId: 'a079', name: 'DELL U2412M', serial: 'YPPY077C30AU', path: `${base}\\DELA079\\5&2c03a83e&0&UID4352\\Device Parameters` },
      { bus: 'display', kind: 'display', manufacturer: 'LNX', productId: '7773', name: 'PiKVM V4 Plus', serial: 'CAFEBABE', path: `${base}\\LNX7773\\5&2c03a83e&0&UID4353\\Device Parameters` },
    ]);
  });

  it('ignores EDID_OVERRIDE keys and malformed values', () => {
    const out = [
      '',
      'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY\\ABC1234\\1&1&0&UID1\\Device Parameters\\EDID_OVERRIDE',
      '    0    REG_BINARY    00FFFFFFFFFFFF00' + '00'.repeat(120),
      '',
      'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY\\ABC1234\\1&1&0&UID1\\Device Parameters',
      '    EDID    REG_BINARY    00FFFF',
      '    EDID    REG_SZ    00FFFFFFFFFFFF00' + '00'.repeat(120),
      '',
    ].join('\r\n');
    expect(displayDevices(parseRegQuery(out))).toEqual([]);
  });

  it('reports no monitors when the DISPLAY key does not exist, and a refused query in one line', async () => {
    const key = 'reg.exe query HKLM\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY /s';
    const notFound = 'ERROR: The system was unable to find the specified registry key or value.\r\n';
    const parent = '\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\ACPI\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\PCI\r\n';
    const absent = new ReplayRunner({ commands: { [key]: { stderr: notFound, code: 1 }, 'reg.exe query HKLM\\SYSTEM\\CurrentControlSet\\Enum': parent } });
    expect((await windowsDisplays.collect(ctxFor(absent))).devices).toEqual([]);
    const denied = new ReplayRunner({ commands: { [key]: { stdout: '', stderr: 'ERROR: Access is denied.\r\n', code: 1 }, 'reg.exe query HKLM\\SYSTEM\\CurrentControlSet\\Enum': parent.replace('\\PCI', '\\DISPLAY') } });
    await expect(windowsDisplays.collect(ctxFor(denied))).rejects.toThrow(/^reg query HKLM\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY failed: ERROR: Access is denied\.$/);
  });
});

describe('darwin.displays', () => {
  it('reads system_profiler JSON: the built-in panel and the PiKVM', async () => {
    const part = await darwinDisplays.collect(replay('macos/displays-pikvm'));
    expect(part.devices).toEqual([
      { bus: 'display', kind: 'display', name: 'Color LCD', manufacturer: 'APP', productId: 'a045', serial: 'fd626d62', path: 'system_profiler SPDisplaysDataType' },
      { bus: 'display', kind: 'display', name: 'PiKVM V3', manufacturer: 'LNX', productId: '7771', serial: '1010101', path: 'system_profiler SPDisplaysDataType' },
    ]);
  });

  it('rejects output that is not the expected JSON with one line', () => {
    expect(() => parseSpDisplays('Graphics/Displays:\n\n    Apple M1:\n')).toThrow(/^system_profiler SPDisplaysDataType printed something other than JSON$/);
    expect(() => parseSpDisplays('{"SPUSBDataType":[]}')).toThrow(/no SPDisplaysDataType array/);
    expect(parseSpDisplays('{"SPDisplaysDataType":[{"_name":"gpu"},{"spdisplays_ndrvs":[null,{"_name":"X\\u001b[2J"}]}]}'))
      .toEqual([{ bus: 'display', kind: 'display', name: 'X?[2J', path: 'system_profiler SPDisplaysDataType' }]);
  });
});
