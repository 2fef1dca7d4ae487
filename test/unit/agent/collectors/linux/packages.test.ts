import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Collector } from '../../../../../agent/collectors/types.ts';
import type { Runner } from '../../../../../agent/runner.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { linuxDpkg } from '../../../../../agent/collectors/linux/packages-dpkg.ts';
import { linuxRpm } from '../../../../../agent/collectors/linux/packages-rpm.ts';
import { linuxSnap } from '../../../../../agent/collectors/linux/packages-snap.ts';
import { linuxFlatpak } from '../../../../../agent/collectors/linux/packages-flatpak.ts';
import { execProgram, linuxDesktopEntries } from '../../../../../agent/collectors/linux/desktop-entries.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'linux');
const ctx = (runner: Runner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const collect = async (c: Collector, dir: string) => (await c.collect(ctx(loadReplayDir(join(FIX, dir))))).packages ?? [];

describe('linux.dpkg (real capture)', () => {
  it('lists installed packages with their versions and skips removed ones', async () => {
    const pkgs = await collect(linuxDpkg, 'dpkg');
    expect(pkgs).toHaveLength(732);
    expect(pkgs.find((p) => p.name === 'x11vnc')).toEqual({ name: 'x11vnc', version: '0.9.16-9', source: 'dpkg' });
    expect(pkgs.find((p) => p.name === 'xvfb')).toEqual({ name: 'xvfb', version: '2:21.1.7-3+deb12u13', source: 'dpkg' });
    expect(pkgs.find((p) => p.name === 'libpulse0')).toBeUndefined(); // "rc": only its config files are left
  });

  it('keeps half-installed and trigger-pending packages, drops not-installed and config-files', async () => {
    const out = 'a\t1\tii \nb\t2\tiU \nc\t3\tiF \nd\t4\tit \ne\t5\tun \nf\t6\trc \ng\t7\thiR\ngarbage\n\n';
    const runner = new ReplayRunner({ commands: { 'dpkg-query -W -f=${Package}\\t${Version}\\t${db:Status-Abbrev}\\n': out } });
    const pkgs = (await linuxDpkg.collect(ctx(runner))).packages!;
    expect(pkgs.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd', 'g']);
  });
});

describe('linux.rpm', () => {
  it('parses name, version-release and vendor; "(none)" is no vendor', async () => {
    expect(await collect(linuxRpm, 'rpm')).toEqual([
      { name: 'bash', version: '5.2.26-3.fc40', source: 'rpm', publisher: 'Fedora Project' },
      { name: 'openssh-server', version: '9.6p1-1.fc40.4', source: 'rpm', publisher: 'Fedora Project' },
      { name: 'gpg-pubkey', version: 'a15b79cc-63d04c2c', source: 'rpm' },
      { name: 'anydesk', version: '6.3.2-1', source: 'rpm', publisher: 'philandro Software GmbH' },
      { name: 'teamviewer', version: '15.54.3-1', source: 'rpm', publisher: 'TeamViewer Germany GmbH' },
      { name: 'rustdesk', version: '1.3.1-0', source: 'rpm' },
    ]);
  });
});

describe('linux.snap', () => {
  it('parses the table and strips the publisher verification marks', async () => {
    expect(await collect(linuxSnap, 'snap')).toEqual([
      { name: 'core22', version: '20240408', source: 'snap', path: '/snap/core22', publisher: 'canonical' },
      { name: 'firefox', version: '125.0.2-1', source: 'snap', path: '/snap/firefox', publisher: 'mozilla' },
      { name: 'remmina', version: 'v1.4.35+git1.b', source: 'snap', path: '/snap/remmina', publisher: 'remmina' },
      { name: 'rustdesk', version: '1.2.3', source: 'snap', path: '/snap/rustdesk', publisher: 'rustdesk' },
      { name: 'snapd', version: '2.62', source: 'snap', path: '/snap/snapd', publisher: 'canonical' },
      { name: 'zerotier', version: '1.14.0', source: 'snap', path: '/snap/zerotier', publisher: 'zerotier' },
    ]);
  });

  it('reports nothing when snapd says no snaps are installed', async () => {
    const runner = new ReplayRunner({
      commands: { 'snap list': { stdout: '', stderr: "No snaps are installed yet. Try 'snap install hello-world'.\n" } },
    });
    expect((await linuxSnap.collect(ctx(runner))).packages).toEqual([]);
  });

  it("fails with snapd's one-line reason when the daemon is down", async () => {
    const runner = new ReplayRunner({
      commands: {
        'snap list': {
          stderr:
            'error: cannot communicate with server: Get "http://localhost/v2/snaps": dial unix /run/snapd.socket: connect: no such file or directory\n',
          code: 1,
        },
      },
    });
    await expect(linuxSnap.collect(ctx(runner))).rejects.toThrow(
      /^snap list failed: error: cannot communicate with server: .*no such file or directory$/,
    );
  });
});

describe('linux.flatpak', () => {
  it('uses the application ID as name and bundle id', async () => {
    expect(await collect(linuxFlatpak, 'flatpak')).toEqual([
      { name: 'com.rustdesk.RustDesk', bundleId: 'com.rustdesk.RustDesk', source: 'flatpak', version: '1.3.1', publisher: 'flathub' },
      { name: 'org.remmina.Remmina', bundleId: 'org.remmina.Remmina', source: 'flatpak', version: '1.4.35', publisher: 'flathub' },
      { name: 'com.anydesk.Anydesk', bundleId: 'com.anydesk.Anydesk', source: 'flatpak', version: '6.3.2', publisher: 'flathub' },
      {
        name: 'org.freedesktop.Platform',
        bundleId: 'org.freedesktop.Platform',
        source: 'flatpak',
        version: '23.08.19',
        publisher: 'flathub',
      },
      { name: 'org.gnome.Platform', bundleId: 'org.gnome.Platform', source: 'flatpak', publisher: 'flathub' },
    ]);
  });
});

describe('linux.desktop', () => {
  it('reads launchers system-wide and per user, with the program each one starts', async () => {
    const pkgs = await collect(linuxDesktopEntries, 'desktop');
    expect(pkgs).toEqual([
      { name: 'Python (v3.11)', source: 'desktop', path: '/usr/share/applications/python3.11.desktop', exec: 'python3.11' },
      { name: 'Vim', source: 'desktop', path: '/usr/share/applications/vim.desktop', exec: 'vim' },
      { name: 'X11VNC Server', source: 'desktop', path: '/usr/share/applications/x11vnc.desktop', exec: 'x11vnc' },
      {
        name: 'RustDesk',
        source: 'desktop',
        exec: 'rustdesk',
        bundleId: 'com.rustdesk.RustDesk',
        path: '/var/lib/flatpak/exports/share/applications/com.rustdesk.RustDesk.desktop',
      },
      { name: 'Remmina', source: 'desktop', path: '/var/lib/snapd/desktop/applications/remmina_remmina.desktop', exec: 'remmina' },
      { name: 'no-group', source: 'desktop', path: '/root/.local/share/applications/no-group.desktop' },
      {
        name: 'AnyDesk',
        source: 'desktop',
        path: '/home/alice/.local/share/applications/appimagekit-anydesk.desktop',
        exec: 'AnyDesk-6.3.2-x86_64.AppImage',
      },
      {
        name: '\\x1b[31mTotally Legit\\nInjected',
        source: 'desktop',
        path: '/home/alice/.local/share/applications/vendor/helper.desktop',
        exec: 'x11vnc',
      },
      { name: 'Quoted Name', source: 'desktop', path: '/home/bob/.local/share/applications/quoted.desktop', exec: 'tool' },
    ]);
  });

  it('finds the program behind env wrappers, field codes, quotes and flatpak run', () => {
    expect(execProgram('env -u X FOO=1 /opt/x/x11vnc -forever %U')).toBe('x11vnc');
    expect(execProgram('/usr/bin/env -S "A=1 /opt/y/rustdesk --tray"')).toBe('rustdesk');
    expect(execProgram('"/opt/My \\"Tools\\"/tool" --arg "%f"')).toBe('tool');
    expect(execProgram('flatpak run org.remmina.Remmina')).toBe('flatpak');
    expect(execProgram('%U')).toBeUndefined();
    expect(execProgram('')).toBeUndefined();
  });

  it('reports no launchers on a host without application directories', async () => {
    expect((await linuxDesktopEntries.collect(ctx(new ReplayRunner({})))).packages).toEqual([]);
  });
});

describe('a missing package manager fails the collector with one line', () => {
  for (const [c, cmd] of [
    [linuxDpkg, 'dpkg-query'],
    [linuxRpm, 'rpm'],
    [linuxSnap, 'snap'],
    [linuxFlatpak, 'flatpak'],
  ] as const) {
    it(`${c.name} without ${cmd}`, async () => {
      const err = await c.collect(ctx(new ReplayRunner({}))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe(`${cmd} not found`);
    });
  }
});
