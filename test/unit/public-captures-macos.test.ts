import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODESIGN, codesignEnricher } from '../../agent/collectors/macos/codesign.ts';
import { darwinDisplays } from '../../agent/collectors/macos/displays.ts';
import { LAUNCHCTL, parseLaunchctlList } from '../../agent/collectors/macos/launchd.ts';
import { ARD_TRIGGER, parsePrintDisabled, settingsCollector } from '../../agent/collectors/macos/settings.ts';
import { LSOF, LSOF_ARGS, socketsCollector } from '../../agent/collectors/macos/sockets.ts';
import type { CollectorContext, InventoryPart } from '../../agent/collectors/types.ts';
import { ReplayRunner, type ReplayCommand } from '../../agent/replay-runner.ts';
import { SETTING_KEYS } from '../../agent/settings.ts';

// Output that real Macs printed, published by others (sources and trimming in
// test/fixtures/public-captures/README.md), replayed through the collectors. The expected values are
// read off the captures themselves, never off what the collectors happen to return.

const DIR = join(import.meta.dirname, '..', 'fixtures', 'public-captures', 'macos');
const capture = (name: string) => readFileSync(join(DIR, name), 'utf8');

function ctxFor(commands: Record<string, ReplayCommand>): { ctx: CollectorContext; runner: ReplayRunner } {
  const runner = new ReplayRunner({ commands });
  return { ctx: { runner, hints: { executableNames: [] }, allowProbes: false }, runner };
}

describe('codesign -dv (public captures)', () => {
  const ANYDESK_APP = '/Volumes/AnyDesk/AnyDesk.app';
  const CHROME_EXE = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';

  it('gives a real AnyDesk bundle and a real Chrome executable their signer, Team ID and identifier', async () => {
    const { ctx, runner } = ctxFor({
      // codesign writes its report to stderr
      [`${CODESIGN} -dv --verbose=2 ${ANYDESK_APP}`]: { stderr: capture('codesign-dvvv-anydesk-app.txt'), code: 0 },
      [`${CODESIGN} -dv --verbose=2 ${CHROME_EXE}`]: { stderr: capture('codesign-dvv-google-chrome.txt'), code: 0 },
    });
    const inv: Required<InventoryPart> = {
      processes: [
        { pid: 501, name: 'AnyDesk', exe: `${ANYDESK_APP}/Contents/MacOS/AnyDesk` },
        { pid: 777, name: 'Google Chrome', exe: CHROME_EXE },
      ],
      packages: [{ name: 'AnyDesk', source: 'app', path: ANYDESK_APP, exec: 'AnyDesk' }],
      services: [], sockets: [], devices: [], settings: [], files: [], context: {},
    };
    await codesignEnricher.enrich(ctx, inv);

    const anydesk = {
      bundleId: 'com.philandro.anydesk',
      teamId: 'KHRWM533LU',
      signer: 'Developer ID Application: AnyDesk Software GmbH (KHRWM533LU)',
    };
    expect(inv.packages[0].identity).toEqual(anydesk);
    // the process running the bundle's main executable shares the bundle's one codesign call
    expect(inv.processes[0].identity).toEqual(anydesk);
    expect(inv.processes[1].identity).toEqual({
      bundleId: 'com.google.Chrome',
      teamId: 'EQHXZ8M8AV',
      signer: 'Developer ID Application: Google LLC (EQHXZ8M8AV)',
    });
    expect(runner.calls.filter((c) => c.startsWith(CODESIGN)).sort()).toEqual([
      `${CODESIGN} -dv --verbose=2 ${CHROME_EXE}`,
      `${CODESIGN} -dv --verbose=2 ${ANYDESK_APP}`,
    ]);
  });
});

describe('lsof -nP (public captures)', () => {
  const KEY = [LSOF, ...LSOF_ARGS].join(' ');

  it('reads TCP listeners and UDP endpoints of mDNSResponder and Spotify, one per socket', async () => {
    const { ctx } = ctxFor({ [KEY]: capture('lsof-nP-mdnsresponder-spotify.txt') });
    const { sockets } = await socketsCollector.collect(ctx);
    // the capture was taken without `+c 0`, so lsof cut the command to 9 characters ("mDNSRespo")
    const mdns = { pid: 205, process: 'mDNSRespo' };
    const spotify = { pid: 696, process: 'Spotify' };
    expect(sockets).toEqual([
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 53, state: 'LISTEN', ...mdns },
      { proto: 'tcp6', localAddress: '::', localPort: 53, state: 'LISTEN', ...mdns },
      { proto: 'udp', localAddress: '0.0.0.0', localPort: 5353, state: 'UNCONN', ...mdns },
      { proto: 'udp6', localAddress: '::', localPort: 5353, state: 'UNCONN', ...mdns },
      { proto: 'udp', localAddress: '0.0.0.0', localPort: 53, state: 'UNCONN', ...mdns },
      { proto: 'udp6', localAddress: '::', localPort: 53, state: 'UNCONN', ...mdns },
      // Spotify's fds 53u and 88u are the same IPv4 *:5353 socket: reported once
      { proto: 'udp', localAddress: '0.0.0.0', localPort: 5353, state: 'UNCONN', ...spotify },
      { proto: 'udp6', localAddress: '::', localPort: 5353, state: 'UNCONN', ...spotify },
    ]);
  });

  it('skips the header line of a full lsof answer', async () => {
    const { ctx } = ctxFor({ [KEY]: capture('lsof-nP-i4TCP-53-high-sierra.txt') });
    const { sockets } = await socketsCollector.collect(ctx);
    expect(sockets).toEqual([
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 53, state: 'LISTEN', pid: 225, process: 'mDNSRespo' },
    ]);
  });
});

describe('launchctl print-disabled (public capture)', () => {
  const text = capture('launchctl-print-disabled-user-501.txt');

  it('reads the older true/false spelling (true = disabled) and ignores the login item associations block', () => {
    const map = parsePrintDisabled(text);
    expect(map.size).toBe(15);
    expect(map.get('com.docker.helper')).toBe(true);
    expect(map.get('at.obdev.littlesnitch.agent')).toBe(true);
    expect(map.get('com.microsoft.update.agent')).toBe(true);
    expect(map.get('com.apple.FolderActionsDispatcher')).toBe(true);
    // Sunlogin (Oray) is a remote-control tool; here its agent is switched off
    expect(map.get('com.oray.sunlogin.desktopagent')).toBe(false);
    expect(map.get('io.tailscale.ipn.macos.login-item-helper')).toBe(false);
    expect(map.has('version.com.docker.helper')).toBe(false);
  });

  it('reports Screen Sharing and Remote Login off when the overrides do not mention them', async () => {
    const { ctx } = ctxFor({ [`${LAUNCHCTL} print-disabled system`]: text });
    const { settings } = await settingsCollector.collect(ctx);
    const noOverride = 'launchctl print-disabled system (no override: plist default, disabled)';
    expect(settings).toEqual([
      { key: SETTING_KEYS.screenSharingEnabled, value: false, source: noOverride },
      { key: SETTING_KEYS.remoteLoginEnabled, value: false, source: noOverride },
      { key: SETTING_KEYS.sshServerEnabled, value: false, source: noOverride },
      { key: SETTING_KEYS.remoteManagementEnabled, value: false, source: `${ARD_TRIGGER} (absent or not enabled)` },
    ]);
  });
});

describe('launchctl list (public capture)', () => {
  it('reads PID, last exit status and label, "-" meaning loaded but not running', () => {
    const jobs = parseLaunchctlList(capture('launchctl-list-sudo-2016-macbookpro.txt'));
    expect(jobs.size).toBe(39);
    expect(jobs.has('Label')).toBe(false);
    expect(jobs.get('uk.co.canimaansoftware.ClamXAV.HelperTool')).toEqual({ pid: 158, status: '0' });
    expect(jobs.get('com.apple.mobile.obliteration')).toEqual({ pid: undefined, status: '0' });
    expect(jobs.get('com.apple.loginwindow.39E51D48-6340-440E-A8A5-8EA0482BC63F')).toEqual({ pid: 181, status: '0' });
    expect([...jobs.values()].filter((j) => j.pid !== undefined)).toHaveLength(19);
  });
});

describe('system_profiler SPDisplaysDataType -json (public capture)', () => {
  it('reads an external Dell monitor on an Apple M3 Pro', async () => {
    const { ctx } = ctxFor({ 'system_profiler SPDisplaysDataType -json': capture('system-profiler-spdisplays-json-m3-dell.json') });
    const { devices } = await darwinDisplays.collect(ctx);
    expect(devices).toEqual([
      {
        bus: 'display',
        kind: 'display',
        path: 'system_profiler SPDisplaysDataType',
        name: 'DELL U2722DE',
        manufacturer: 'DEL', // EDID vendor 0x10ac
        productId: '4231',
        serial: '4254554c',
      },
    ]);
  });
});
