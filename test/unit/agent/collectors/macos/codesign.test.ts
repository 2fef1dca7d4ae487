import { describe, expect, it } from 'vitest';
import { appsCollector } from '../../../../../agent/collectors/macos/apps.ts';
import { codesignEnricher, codesignTargets, parseCodesign } from '../../../../../agent/collectors/macos/codesign.ts';
import { processesCollector } from '../../../../../agent/collectors/macos/processes.ts';
import type { InventoryPart } from '../../../../../agent/collectors/types.ts';
import type { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { loadMacFixture, macContext } from '../../../../fixtures/macos/replay.ts';

async function collected(runner: ReplayRunner): Promise<Required<InventoryPart>> {
  const ctx = macContext(runner);
  const [{ processes }, { packages }] = await Promise.all([processesCollector.collect(ctx), appsCollector.collect(ctx)]);
  return { processes: processes!, packages: packages!, services: [], sockets: [], devices: [], settings: [], files: [], context: {} };
}

const CS = '/usr/bin/codesign -dv --verbose=2 ';

describe('darwin.codesign', () => {
  it('signs each third-party bundle and loose executable once, never Apple system paths', async () => {
    const runner = loadMacFixture('remote-tools');
    const inv = await collected(runner);
    expect(codesignTargets(inv.processes, inv.packages).sort()).toEqual([
      '/Applications/AnyDesk.app',
      '/Applications/Google Chrome.app',
      '/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/131.0.6778.86/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer)',
      '/Applications/RustDesk.app',
      '/Applications/Safari.app',
      '/Applications/Splashtop Streamer.app',
      '/Applications/TeamViewer.app',
      '/Applications/TeamViewer.app/Contents/MacOS/TeamViewer_Service',
      '/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app',
      '/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app/Contents/MacOS/remoting_me2me_host_service',
      '/Users/alex/Applications/zoom.us.app',
      '/Users/alex/Library/Application Support/.sysupd/syncd',
      '/opt/connectwisecontrol-5e7b1a9c3f2d4e81.app',
      '/private/tmp/x',
    ]);
  });

  it('gives a renamed AnyDesk its real identity, and the bundles their Team IDs', async () => {
    const runner = loadMacFixture('remote-tools');
    const inv = await collected(runner);
    await codesignEnricher.enrich(macContext(runner), inv);
    const proc = (pid: number) => inv.processes.find((p) => p.pid === pid)!;
    const app = (path: string) => inv.packages.find((p) => p.path === path)!;
    expect(proc(2250)).toMatchObject({
      name: 'syncd',
      identity: {
        bundleId: 'com.philandro.anydesk',
        teamId: 'KHRWM533LU',
        signer: 'Developer ID Application: AnyDesk Software GmbH (KHRWM533LU)',
      },
    });
    // both AnyDesk processes share the bundle's signature
    expect(proc(412).identity).toEqual(app('/Applications/AnyDesk.app').identity);
    expect(proc(610).identity).toEqual(app('/Applications/AnyDesk.app').identity);
    expect(proc(418).identity).toEqual({
      bundleId: 'com.teamviewer.TeamViewer_Service',
      teamId: 'H7UGFBUGV6',
      signer: 'Developer ID Application: TeamViewer Germany GmbH (H7UGFBUGV6)',
    });
    expect(app('/Applications/RustDesk.app').identity).toEqual({
      bundleId: 'com.carriez.rustdesk',
      teamId: 'HZF9JMC8YN',
      signer: 'Developer ID Application: zhou huabing (HZF9JMC8YN)',
    });
    expect(app('/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app').identity).toMatchObject({ teamId: 'EQHXZ8M8AV' });
    expect(proc(700).identity?.bundleId).toBe('com.google.chrome_remote_desktop.remoting_me2me_host');
    expect(app('/Applications/Splashtop Streamer.app').identity?.teamId).toBe('CPQQ3AW49Y');
    // Apple's own signature has no Team ID
    expect(app('/Applications/Safari.app').identity).toEqual({ bundleId: 'com.apple.Safari', signer: 'Software Signing' });
    // unsigned code and a codesign that timed out leave no identity, and the rest still completes
    expect(proc(2301).identity).toBeUndefined();
    expect(app('/opt/connectwisecontrol-5e7b1a9c3f2d4e81.app').identity).toBeUndefined();
    // Apple system processes were not asked about
    expect(proc(155).identity).toBeUndefined();
    expect(runner.calls.filter((c) => c.startsWith(CS))).toHaveLength(14);
    expect(runner.calls.some((c) => c.startsWith(CS + '/System/'))).toBe(false);
  });

  it('fails with one line when codesign is missing', async () => {
    const runner = loadMacFixture('failing-sources');
    const inv = await collected(runner);
    await expect(codesignEnricher.enrich(macContext(runner), inv)).rejects.toThrow(
      /^codesign failed for all 4 paths: \/usr\/bin\/codesign not found$/,
    );
  });

  it('parses the fields that matter and ignores "not set"', () => {
    expect(parseCodesign('Executable=/x\nIdentifier=a.b\nAuthority=Leaf\nAuthority=CA\nTeamIdentifier=not set\n')).toEqual({
      bundleId: 'a.b',
      signer: 'Leaf',
    });
    expect(parseCodesign('/private/tmp/x: code object is not signed at all\n')).toBeUndefined();
    expect(parseCodesign('Identifier=\x1b[2Jx\n')).toEqual({ bundleId: '\\x1b[2Jx' });
  });
});
