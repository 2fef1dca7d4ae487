import { describe, expect, it } from 'vitest';
import { linuxDisplays } from '../../../../agent/collectors/linux/displays.ts';
import { darwinDisplays, parseSpDisplays } from '../../../../agent/collectors/macos/displays.ts';
import { DISPLAY_ENUM, displayDevices, windowsDisplays } from '../../../../agent/collectors/windows/displays.ts';
import { POWERSHELL, psArgs } from '../../../../agent/collectors/windows/powershell.ts';
import { REG_SCRIPT, parseRegJson, regQueryArg } from '../../../../agent/collectors/windows/reg.ts';
import type { CollectorContext } from '../../../../agent/collectors/types.ts';
import { loadReplayDir, ReplayRunner } from '../../../helpers/replay-runner.ts';
import { FIXTURES } from '../../../helpers/paths.ts';

const FIX = `${FIXTURES}/`;
const ctxFor = (runner: ReplayRunner): CollectorContext => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const replay = (dir: string) => ctxFor(loadReplayDir(FIX + dir));

describe('linux.displays', () => {
  it('reports the PiKVM behind HDMI and skips the empty connector', async () => {
    const part = await linuxDisplays.collect(replay('linux/displays-pikvm'));
    expect(part.devices).toEqual([
      {
        bus: 'display',
        kind: 'display',
        manufacturer: 'LNX',
        productId: '7771',
        name: 'PiKVM V3',
        serial: 'CAFEBABE',
        path: '/sys/class/drm/card0-HDMI-A-1/edid',
      },
    ]);
  });

  it('reports a TinyPilot by its monitor name', async () => {
    const part = await linuxDisplays.collect(replay('linux/displays-tinypilot'));
    expect(part.devices?.map((d) => [d.manufacturer, d.name])).toEqual([['TSB', 'TinyPilot']]);
  });

  it('reports an ordinary Dell monitor as such', async () => {
    const part = await linuxDisplays.collect(replay('linux/displays-office'));
    expect(part.devices).toEqual([
      {
        bus: 'display',
        kind: 'display',
        manufacturer: 'DEL',
        productId: 'a079',
        name: 'DELL U2412M',
        serial: 'YPPY077C30AU',
        path: '/sys/class/drm/card1-DP-1/edid',
      },
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

const DISPLAY_KEY = [POWERSHELL, ...psArgs(REG_SCRIPT, [regQueryArg([{ key: DISPLAY_ENUM, recurse: true }])])].join(' ');

describe('windows.displays', () => {
  it('reads the DISPLAY tree (one registry read) into both monitors, the PiKVM V4 Plus included', async () => {
    const runner = loadReplayDir(FIX + 'windows/displays-pikvm');
    const part = await windowsDisplays.collect(ctxFor(runner));
    expect(runner.calls).toEqual([DISPLAY_KEY]);
    const base = 'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY';
    expect(part.devices).toEqual([
      {
        bus: 'display',
        kind: 'display',
        manufacturer: 'DEL',
        productId: 'a079',
        name: 'DELL U2412M',
        serial: 'YPPY077C30AU',
        path: `${base}\\DELA079\\5&2c03a83e&0&UID4352\\Device Parameters`,
      },
      {
        bus: 'display',
        kind: 'display',
        manufacturer: 'LNX',
        productId: '7773',
        name: 'PiKVM V4 Plus',
        serial: 'CAFEBABE',
        path: `${base}\\LNX7773\\5&2c03a83e&0&UID4353\\Device Parameters`,
      },
    ]);
  });

  it('ignores EDID_OVERRIDE keys and malformed values', () => {
    const dev = 'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY\\ABC1234\\1&1&0&UID1\\Device Parameters';
    const edid = '00FFFFFFFFFFFF00' + '00'.repeat(120);
    const out = JSON.stringify([
      {
        Found: true,
        Keys: [
          { Path: `${dev}\\EDID_OVERRIDE`, Values: [{ Name: '0', Kind: 'Binary', Data: edid }] },
          {
            Path: dev,
            Values: [
              { Name: 'EDID', Kind: 'Binary', Data: '00FFFF' },
              { Name: 'EDID', Kind: 'String', Data: edid },
            ],
          },
        ],
      },
    ]);
    const [{ keys }] = parseRegJson(out, [{ key: DISPLAY_ENUM, recurse: true }]);
    expect(displayDevices(keys!)).toEqual([]);
  });

  it('reports no monitors when the DISPLAY key does not exist, and a refused query in one line', async () => {
    const answer = (a: object) =>
      JSON.stringify([{ Key: DISPLAY_ENUM, Found: false, Denied: 0, Truncated: false, Error: null, Keys: [], ...a }]) + '\r\n';
    const absent = new ReplayRunner({ commands: { [DISPLAY_KEY]: answer({}) } });
    expect((await windowsDisplays.collect(ctxFor(absent))).devices).toEqual([]);
    // RegistryKey.OpenSubKey's SecurityException message
    const denied = new ReplayRunner({ commands: { [DISPLAY_KEY]: answer({ Error: 'Requested registry access is not allowed.' }) } });
    await expect(windowsDisplays.collect(ctxFor(denied))).rejects.toThrow(
      /^registry read HKLM\\SYSTEM\\CurrentControlSet\\Enum\\DISPLAY failed: Requested registry access is not allowed\.$/,
    );
  });
});

describe('darwin.displays', () => {
  it('reads system_profiler JSON: the built-in panel and the PiKVM', async () => {
    const part = await darwinDisplays.collect(replay('macos/displays-pikvm'));
    expect(part.devices).toEqual([
      {
        bus: 'display',
        kind: 'display',
        name: 'Color LCD',
        manufacturer: 'APP',
        productId: 'a045',
        serial: 'fd626d62',
        path: 'system_profiler SPDisplaysDataType',
      },
      {
        bus: 'display',
        kind: 'display',
        name: 'PiKVM V3',
        manufacturer: 'LNX',
        productId: '7771',
        serial: '1010101',
        path: 'system_profiler SPDisplaysDataType',
      },
    ]);
  });

  it('rejects output that is not the expected JSON with one line', () => {
    expect(() => parseSpDisplays('Graphics/Displays:\n\n    Apple M1:\n')).toThrow(
      /^system_profiler SPDisplaysDataType printed something other than JSON$/,
    );
    expect(() => parseSpDisplays('{"SPUSBDataType":[]}')).toThrow(/no SPDisplaysDataType array/);
    expect(parseSpDisplays('{"SPDisplaysDataType":[{"_name":"gpu"},{"spdisplays_ndrvs":[null,{"_name":"X\\u001b[2J"}]}]}')).toEqual([
      { bus: 'display', kind: 'display', name: 'X?[2J', path: 'system_profiler SPDisplaysDataType' },
    ]);
  });
});
