import { describe, expect, it } from 'vitest';
import { appsCollector } from '../../../../../agent/collectors/macos/apps.ts';
import { launchdCollector, parseLaunchctlList, startTypeOf } from '../../../../../agent/collectors/macos/launchd.ts';
import { loadMacFixture, macContext } from '../../../../fixtures/macos/replay.ts';

describe('darwin.apps', () => {
  it('reads XML and binary Info.plists from every application folder', async () => {
    const { packages } = await appsCollector.collect(macContext(loadMacFixture('remote-tools')));
    const byPath = new Map(packages!.map((p) => [p.path, p]));
    expect([...byPath.keys()].sort()).toEqual([
      '/Applications/AnyDesk.app',
      '/Applications/Google Chrome.app',
      '/Applications/RustDesk.app',
      '/Applications/Safari.app',
      '/Applications/Splashtop Streamer.app',
      '/Applications/TeamViewer.app',
      '/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app',
      '/System/Applications/Calculator.app',
      '/System/Applications/Utilities/Terminal.app',
      '/Users/alex/Applications/zoom.us.app',
      '/opt/connectwisecontrol-5e7b1a9c3f2d4e81.app',
    ]);
    expect(byPath.get('/Applications/AnyDesk.app')).toEqual({
      name: 'AnyDesk',
      version: '9.0.5',
      source: 'app',
      bundleId: 'com.philandro.anydesk',
      exec: 'AnyDesk',
      path: '/Applications/AnyDesk.app',
    });
    // binary Info.plist
    expect(byPath.get('/Applications/TeamViewer.app')).toEqual({
      name: 'TeamViewer',
      version: '15.59.3',
      source: 'app',
      bundleId: 'com.teamviewer.TeamViewer',
      exec: 'TeamViewer',
      path: '/Applications/TeamViewer.app',
    });
    expect(byPath.get('/Applications/Splashtop Streamer.app')).toMatchObject({
      bundleId: 'com.splashtop.Splashtop-Streamer',
      exec: 'Splashtop Streamer',
    });
    // CFBundleDisplayName wins over CFBundleName
    expect(byPath.get('/Applications/Google Chrome.app')?.name).toBe('Google Chrome');
    expect(byPath.get('/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app')).toMatchObject({
      name: 'Chrome Remote Desktop Host',
      bundleId: 'com.google.chrome_remote_desktop.remoting_me2me_host',
      exec: 'remoting_me2me_host',
    });
    expect(byPath.get('/opt/connectwisecontrol-5e7b1a9c3f2d4e81.app')).toMatchObject({ bundleId: 'com.screenconnect.client.access' });
    expect(byPath.get('/Users/alex/Applications/zoom.us.app')).toMatchObject({ bundleId: 'us.zoom.xos', version: '6.2.11 (43613)' });
    expect(byPath.get('/System/Applications/Calculator.app')).toMatchObject({ bundleId: 'com.apple.calculator' });
  });

  it('reports a bundle whose Info.plist is garbage or truncated by its folder name', async () => {
    const { packages } = await appsCollector.collect(macContext(loadMacFixture('failing-sources')));
    expect(packages).toEqual([
      { name: 'Half', source: 'app', path: '/Applications/Half.app' },
      { name: 'Notes Helper', source: 'app', path: '/Applications/Notes Helper.app' },
      {
        name: 'TeamViewer',
        version: '15.59.3',
        source: 'app',
        bundleId: 'com.teamviewer.TeamViewer',
        exec: 'TeamViewer',
        path: '/Applications/TeamViewer.app',
      },
    ]);
  });

  it('throws one line when no application folder can be listed', async () => {
    const runner = loadMacFixture('failing-sources', ['/Applications', '/Users']);
    await expect(appsCollector.collect(macContext(runner))).rejects.toThrow(
      /^no application folder could be read: \/Applications: cannot list \/Applications: EACCES$/,
    );
  });
});

describe('darwin.launchd', () => {
  it('reads daemons and agents (XML and binary), with state from launchctl list', async () => {
    const { services } = await launchdCollector.collect(macContext(loadMacFixture('remote-tools')));
    expect(services).toHaveLength(18);
    const byName = new Map(services!.map((s) => [s.name, s]));
    expect(byName.get('com.philandro.anydesk.service')).toEqual({
      name: 'com.philandro.anydesk.service',
      source: 'launchd',
      state: 'running',
      startType: 'RunAtLoad+KeepAlive',
      path: '/Applications/AnyDesk.app/Contents/MacOS/AnyDesk',
      args: '--service',
      file: '/Library/LaunchDaemons/com.philandro.anydesk.service.plist',
    });
    // binary plist with Program and no ProgramArguments
    expect(byName.get('com.teamviewer.teamviewer_service')).toEqual({
      name: 'com.teamviewer.teamviewer_service',
      source: 'launchd',
      state: 'running',
      startType: 'RunAtLoad+KeepAlive',
      path: '/Applications/TeamViewer.app/Contents/MacOS/TeamViewer_Service',
      file: '/Library/LaunchDaemons/com.teamviewer.teamviewer_service.plist',
    });
    expect(byName.get('com.philandro.anydesk.Helper')).toMatchObject({
      startType: 'OnDemand',
      state: 'loaded',
      path: '/Library/PrivilegedHelperTools/com.philandro.anydesk.Helper',
    });
    // RustDesk's own service plist starts the tool through /bin/sh -c: the tool is the path, the shell is kept aside
    const rd = byName.get('com.carriez.RustDesk_service')!;
    expect(rd).toMatchObject({
      path: '/Applications/RustDesk.app/Contents/MacOS/service',
      pathRaw: '/bin/sh',
      argsRaw: '-c /Applications/RustDesk.app/Contents/MacOS/service',
    });
    expect(rd.args).toBeUndefined();
    expect(byName.get('org.chromium.chromoting')).toEqual({
      name: 'org.chromium.chromoting',
      source: 'launchd',
      startType: 'RunAtLoad',
      path: '/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app/Contents/MacOS/remoting_me2me_host_service',
      args: '--run-from-launchd',
      file: '/Library/LaunchAgents/org.chromium.chromoting.plist',
    });
    expect(byName.get('connectwisecontrol-5e7b1a9c3f2d4e81')).toMatchObject({
      state: 'loaded',
      path: '/opt/connectwisecontrol-5e7b1a9c3f2d4e81.app/Contents/MacOS/ScreenConnect Client',
    });
    expect(byName.get('connectwisecontrol-5e7b1a9c3f2d4e81-onlogin')?.file).toBe(
      '/Library/LaunchAgents/connectwisecontrol-5e7b1a9c3f2d4e81-onlogin.plist',
    );
    expect(byName.get('com.splashtop.streamer-daemon')).toMatchObject({ state: 'loaded', startType: 'RunAtLoad+KeepAlive' });
    // a user agent masquerading as Apple, pointing at the renamed AnyDesk copy
    expect(byName.get('com.apple.sysupd')).toEqual({
      name: 'com.apple.sysupd',
      source: 'launchd',
      startType: 'RunAtLoad+KeepAlive',
      path: '/Users/alex/Library/Application Support/.sysupd/syncd',
      args: '--tray',
      file: '/Users/alex/Library/LaunchAgents/com.apple.sysupd.plist',
    });
    // a truncated job file is still named
    expect(byName.get('com.example.updater')).toEqual({
      name: 'com.example.updater',
      source: 'launchd',
      state: 'invalid plist',
      file: '/Users/alex/Library/LaunchAgents/com.example.updater.plist',
    });
  });

  it('returns what it could read when a LaunchAgents folder is denied and launchctl fails', async () => {
    const { services } = await launchdCollector.collect(macContext(loadMacFixture('failing-sources')));
    expect(services).toEqual([
      {
        name: 'com.teamviewer.teamviewer_service',
        source: 'launchd',
        startType: 'RunAtLoad+KeepAlive',
        path: '/Applications/TeamViewer.app/Contents/MacOS/TeamViewer_Service',
        file: '/Library/LaunchDaemons/com.teamviewer.teamviewer_service.plist',
      },
      // arguments with spaces are quoted so the line can be split back
      {
        name: 'com.example.kim',
        source: 'launchd',
        startType: 'disabled',
        path: '/Users/kim/bin/sync job',
        args: '--every "5 min"',
        file: '/Users/kim/Library/LaunchAgents/com.example.kim.plist',
      },
    ]);
  });

  it('throws one line when no launchd folder can be listed', async () => {
    const runner = loadMacFixture('failing-sources', ['/Library/LaunchDaemons', '/Users/kim/Library/LaunchAgents']);
    await expect(launchdCollector.collect(macContext(runner))).rejects.toThrow(/^no launchd folder could be read: /);
  });

  it('parses launchctl list and start types', () => {
    expect([...parseLaunchctlList('PID\tStatus\tLabel\n412\t0\tcom.a\n-\t-9\tcom.b\nbad line\n').entries()]).toEqual([
      ['com.a', { pid: 412, status: '0' }],
      ['com.b', { pid: undefined, status: '-9' }],
    ]);
    expect(startTypeOf({ KeepAlive: { SuccessfulExit: false } })).toBe('KeepAlive');
    expect(startTypeOf({ RunAtLoad: true, Disabled: true })).toBe('disabled');
    expect(startTypeOf({ RunAtLoad: 'yes' })).toBe('OnDemand');
  });
});
