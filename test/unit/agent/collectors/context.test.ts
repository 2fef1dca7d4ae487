import { afterEach, describe, expect, it, vi } from 'vitest';
import { normalizeMac, zoneFromLink } from '../../../../agent/collectors/common/host-context.ts';
import {
  agentHome,
  gsettingsMayDiffer,
  linuxContext,
  parseDefaultRoutes,
  parseNmcliWifi,
  splitTerse,
} from '../../../../agent/collectors/linux/context.ts';
import { darwinContext, parseIpconfigSummary } from '../../../../agent/collectors/macos/context.ts';
import type { CollectorContext } from '../../../../agent/collectors/types.ts';
import { NETSH_SCRIPT, parseContextJson, parseNetshInterfaces, windowsContext } from '../../../../agent/collectors/windows/context.ts';
import { HOST_FACTS_SCRIPT } from '../../../../agent/collectors/windows/host-facts.ts';
import { POWERSHELL, psArgs } from '../../../../agent/collectors/windows/powershell.ts';
import { loadReplayDir, ReplayRunner } from '../../../helpers/replay-runner.ts';
import { FIXTURES } from '../../../helpers/paths.ts';

const FIX = `${FIXTURES}/`;
const ctxFor = (runner: ReplayRunner): CollectorContext => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const KOREAN_TIP = '0412:{A028AE76-01B1-46C2-99C4-ACD9858AE02F}{B5FE1F02-D5F2-4445-9C03-C568F23C99A1}';

describe('linux.context', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads zone, locale, Korean input methods, gateway MAC and the NetworkManager Wi-Fi', async () => {
    vi.stubEnv('HOME', '/home/minji'); // the scan ran as minji, whose dconf database holds her input sources
    const part = await linuxContext.collect(ctxFor(loadReplayDir(FIX + 'linux/context-korean')));
    expect(part.context).toEqual({
      timezone: 'Asia/Seoul',
      locale: 'en_US.UTF-8',
      inputMethods: ['xkb:us', 'ibus:hangul', 'fcitx5:keyboard-us', 'fcitx5:hangul'],
      defaultGatewayMac: 'a4:2b:8c:11:22:33',
      wifiSsid: 'Cafe: 2F',
      wifiBssid: 'a4:2b:8c:11:22:34',
    });
  });

  it('asks gsettings only where a dconf database, a profile, an override or a patched schema can change the answer', async () => {
    const schemas = '/usr/share/glib-2.0/schemas';
    const xml = (dflt: string) =>
      `<schemalist><schema id="org.gnome.desktop.input-sources">\n    <key name="sources" type="a(ss)">\n      <default>${dflt}</default>\n    </key></schema></schemalist>\n`;
    const upstream = {
      [`${schemas}/org.gnome.desktop.input-sources.gschema.xml`]: xml('[]'),
      [`${schemas}/10_gsettings-desktop-schemas.gschema.override`]: "[org.gnome.desktop.interface]\nmonospace-font-name = 'Monospace 11'\n",
    };
    const differs = (files: Record<string, string>, home = '/root') => gsettingsMayDiffer(new ReplayRunner({ files }), home);
    expect(await differs(upstream)).toBe(false);
    expect(await differs({})).toBe(false); // no schema at all: gsettings would only say "No such schema"
    expect(await differs(upstream, '')).toBe(true); // no HOME: the database gsettings reads is unknown
    expect(await differs({ ...upstream, '/root/.config/dconf/user': 'GVariant' })).toBe(true);
    expect(await differs({ ...upstream, '/etc/dconf/profile/user': 'user-db:user\nsystem-db:local\n' })).toBe(true);
    expect(
      await differs({
        ...upstream,
        [`${schemas}/20_vendor.gschema.override`]: "[org.gnome.desktop.input-sources]\nsources=[('ibus','hangul')]\n",
      }),
    ).toBe(true);
    expect(await differs({ ...upstream, [`${schemas}/org.gnome.desktop.input-sources.gschema.xml`]: xml("[('xkb','de')]") })).toBe(true);
  });

  it("takes gsettings' home from HOME, else from the agent user's passwd entry as GLib does", async () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\nsvc:x:998:998::/var/lib/svc:/usr/sbin/nologin\nnohome:x:997:997::::\n';
    const runner = new ReplayRunner({ files: { '/etc/passwd': passwd } });
    expect(await agentHome(runner, { HOME: '/home/ann' }, 0)).toBe('/home/ann');
    expect(await agentHome(runner, {}, 0)).toBe('/root'); // a systemd service without User= has no HOME
    expect(await agentHome(runner, { HOME: '' }, 998)).toBe('/var/lib/svc');
    expect(await agentHome(runner, {}, 997)).toBeUndefined(); // an empty home field
    expect(await agentHome(runner, {}, 1234)).toBeUndefined(); // not a local user
    expect(await agentHome(runner, {}, null)).toBeUndefined(); // Windows has no uid
    expect(await agentHome(new ReplayRunner({ files: {} }), {}, 0)).toBeUndefined(); // no /etc/passwd
  });

  it('does not start gsettings where it could only print the empty default', async () => {
    vi.stubEnv('HOME', '/root');
    const runner = loadReplayDir(FIX + 'linux/context-korean');
    const part = await linuxContext.collect(ctxFor(runner));
    expect(part.context?.inputMethods).toEqual(['fcitx5:keyboard-us', 'fcitx5:hangul']);
    expect(runner.calls.filter((c) => c.startsWith('gsettings'))).toEqual([]);
  });

  it('falls back to /etc/timezone, locale.conf, fcitx 4 and iw, and skips the VPN route without a neighbour', async () => {
    const runner = loadReplayDir(FIX + 'linux/context-iw');
    const part = await linuxContext.collect(ctxFor(runner));
    expect(part.context).toEqual({
      timezone: 'America/Chicago',
      locale: 'ko_KR.UTF-8',
      inputMethods: ['fcitx:fcitx-keyboard-us', 'fcitx:hangul'],
      defaultGatewayMac: '00:1a:2b:0c:0d:0e',
      wifiSsid: 'HOME-5G',
      wifiBssid: '02:5e:10:00:00:01',
    });
    expect(runner.calls).toContain('iw dev wlan0 link');
  });

  it('fails with one line only when nothing at all can be read', async () => {
    await expect(linuxContext.collect(ctxFor(new ReplayRunner({})))).rejects.toThrow(
      /^linux host context: timezone: [^\n]+; locale: [^\n]+; gateway: cannot read \/proc\/net\/route; wi-fi: [^\n]+$/,
    );
  });

  it('parses nmcli terse escapes and /proc/net/route', () => {
    expect(splitTerse('yes:a\\:b\\\\c:AA\\:BB')).toEqual(['yes', 'a:b\\c', 'AA:BB']);
    expect(parseNmcliWifi('no:x:AA\\:BB\\:CC\\:DD\\:EE\\:FF\n')).toEqual({});
    expect(parseDefaultRoutes('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nlo\tgarbage\n')).toEqual([]);
  });
});

describe('windows.context', () => {
  it('reads PowerShell JSON and the Windows 11 netsh layout', async () => {
    const runner = loadReplayDir(FIX + 'windows/context-korean');
    const part = await windowsContext.collect(ctxFor(runner));
    expect(runner.calls.sort()).toEqual(
      [[POWERSHELL, ...psArgs(HOST_FACTS_SCRIPT)].join(' '), [POWERSHELL, ...psArgs(NETSH_SCRIPT)].join(' ')].sort(),
    );
    expect(part.context).toEqual({
      timezone: 'Korea Standard Time',
      locale: 'ko-KR',
      inputMethods: ['0409:00000409', KOREAN_TIP],
      defaultGatewayMac: '88:36:6c:0a:1b:2c',
      wifiSsid: 'iptime5G: 3F',
      wifiBssid: '88:36:6c:0a:1b:2d',
    });
  });

  it('keeps the other fields when netsh withholds WLAN data for want of location permission', async () => {
    const part = await windowsContext.collect(ctxFor(loadReplayDir(FIX + 'windows/context-location-denied')));
    expect(part.context).toEqual({
      timezone: 'Eastern Standard Time',
      locale: 'en-US',
      inputMethods: ['0409:00000409'],
      defaultGatewayMac: '00:1a:2b:0c:0d:0e',
    });
  });

  it('reads the Windows 10 "BSSID" label and PowerShell 5.1 array shapes; rejects non-JSON', () => {
    expect(
      parseNetshInterfaces(
        '\r\nThere is 1 interface on the system:\r\n\r\n    Name                   : Wi-Fi\r\n    State                  : connected\r\n    SSID                   : Corp\r\n    BSSID                  : 00:11:22:33:44:55\r\n',
      ),
    ).toEqual({ wifiSsid: 'Corp', wifiBssid: '00:11:22:33:44:55' });
    expect(
      parseContextJson(
        `\uFEFF{"Languages":{"value":[{"LanguageTag":"ko","InputMethodTips":"${KOREAN_TIP.replace(/"/g, '')}"}],"Count":1},"Users":null}`,
      ).inputMethods,
    ).toEqual([KOREAN_TIP]);
    expect(parseContextJson('{"Languages":[{"InputMethodTips":["0412:\\u001b[2J","not a tip"]}]}').inputMethods).toEqual([]);
    expect(() => parseContextJson('Get-WinUserLanguageList : The term is not recognized')).toThrow(
      /^PowerShell host context: output is not valid JSON/,
    );
  });
});

describe('darwin.context', () => {
  it("reads users' binary preference plists, the zone link, arp and a redacted ipconfig summary", async () => {
    const runner = loadReplayDir(FIX + 'macos/context-korean');
    const part = await darwinContext.collect(ctxFor(runner));
    expect(part.context).toEqual({
      timezone: 'Asia/Seoul',
      locale: 'en_US',
      inputMethods: [
        'keylayout:U.S.',
        'com.apple.CharacterPaletteIM',
        'com.apple.inputmethod.Korean.2SetKorean',
        'com.apple.inputmethod.Korean',
      ],
      defaultGatewayMac: '88:36:6c:0a:1b:2c',
    });
    expect(runner.calls).toContain('ipconfig getsummary en0');
  });

  it('reads SSID and BSSID when macOS does not redact them, and no gateway MAC behind a utun default route', async () => {
    const runner = loadReplayDir(FIX + 'macos/context-vpn');
    const part = await darwinContext.collect(ctxFor(runner));
    expect(part.context).toEqual({
      timezone: 'America/New_York',
      locale: 'en_US@rg=krzzzz',
      inputMethods: ['keylayout:ABC'],
      wifiSsid: 'Airbnb Guest 5G',
      wifiBssid: 'c8:07:19:2c:00:6f',
    });
    expect(runner.calls.some((c) => c.startsWith('arp'))).toBe(false);
  });

  it('ignores nested dictionary keys of ipconfig getsummary', () => {
    expect(parseIpconfigSummary('<dictionary> {\n  Sub : <dictionary> {\n    SSID : Nested\n  }\n  SSID : <redacted>\n}\n')).toEqual({});
  });
});

describe('host-context helpers', () => {
  it('normalises MAC spellings and rejects placeholders', () => {
    expect(normalizeMac('0:1b:2c:a:b:c')).toBe('00:1b:2c:0a:0b:0c');
    expect(normalizeMac('88-36-6C-0A-1B-2C')).toBe('88:36:6c:0a:1b:2c');
    expect(normalizeMac('00:00:00:00:00:00')).toBeUndefined();
    expect(normalizeMac('ff-ff-ff-ff-ff-ff')).toBeUndefined();
    expect(normalizeMac('<redacted>')).toBeUndefined();
    expect(normalizeMac('00:11:22:33:44')).toBeUndefined();
  });

  it('extracts an IANA zone from a localtime link and nothing else', () => {
    expect(zoneFromLink('/usr/share/zoneinfo/Asia/Seoul')).toBe('Asia/Seoul');
    expect(zoneFromLink('../usr/share/zoneinfo/posix/Europe/Berlin')).toBe('Europe/Berlin');
    expect(zoneFromLink('/var/db/timezone/zoneinfo/America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(zoneFromLink('/etc/zoneinfo/../../etc/passwd\n')).toBeUndefined();
    expect(zoneFromLink('/usr/share/tz/UTC')).toBeUndefined();
  });
});
