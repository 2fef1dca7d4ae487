import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../../../../../agent/runner.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { linuxSystemd, parseExecStart } from '../../../../../agent/collectors/linux/services-systemd.ts';
import { installKinds } from '../../../../../agent/collectors/linux/unit-files.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';

const FIX = join(FIXTURES, 'linux');
const ctx = (runner: Runner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });

describe('linux.systemd on Debian without systemd running (real capture)', () => {
  it('reports every service unit file with its enablement and ExecStart, even though list-units fails', async () => {
    const { services = [], settings } = await linuxSystemd.collect(ctx(loadReplayDir(join(FIX, 'systemd-debian'))));
    expect(services).toHaveLength(110);
    expect(services.every((s) => s.source === 'systemd' && s.state === undefined)).toBe(true);
    const by = (n: string) => services.find((s) => s.name === n);
    expect(by('e2scrub_reap')).toEqual({
      name: 'e2scrub_reap',
      source: 'systemd',
      startType: 'enabled',
      file: '/usr/lib/systemd/system/e2scrub_reap.service',
      path: '/sbin/e2scrub_all',
      args: '-A -r',
    });
    expect(by('apt-daily')).toMatchObject({ startType: 'static', path: '/usr/lib/apt/apt.systemd.daily', args: 'update' });
    // "-" (ignore failure) and "!!" (privilege) prefixes are not part of the program
    expect(by('getty@')).toMatchObject({ startType: 'enabled', path: '/sbin/agetty', args: '-o -p -- \\\\u --noclear - $TERM' });
    expect(by('systemd-networkd')).toMatchObject({ startType: 'disabled', path: '/lib/systemd/systemd-networkd' });
    // no unit file in the fixture: the unit name stands in for it
    expect(by('dbus')).toEqual({ name: 'dbus', source: 'systemd', startType: 'static', file: 'dbus.service' });
    expect(settings).toEqual([]); // no SSH server installed
  });
});

describe('linux.systemd on a desktop', () => {
  it('merges enablement and live state, follows templates, and sees through a bland unit name', async () => {
    const { services = [], settings } = await linuxSystemd.collect(ctx(loadReplayDir(join(FIX, 'systemd-ubuntu'))));
    expect(services).toEqual([
      {
        name: 'accounts-daemon',
        source: 'systemd',
        file: 'accounts-daemon.service',
        startType: 'enabled',
        state: 'running',
        displayName: 'Accounts Service',
      },
      {
        name: 'anydesk',
        source: 'systemd',
        file: '/usr/lib/systemd/system/anydesk.service',
        startType: 'enabled',
        state: 'running',
        displayName: 'AnyDesk',
        path: '/usr/bin/anydesk',
        args: '--service',
      },
      {
        name: 'display-helper',
        source: 'systemd',
        file: '/etc/systemd/system/display-helper.service',
        startType: 'enabled',
        state: 'running',
        displayName: 'Display helper',
        path: '/opt/helper/bin/x11vnc',
        args: '-forever -shared -rfbport 5900 -display :0 -auth /run/user/1000/gdm/Xauthority',
      },
      { name: 'getty@', source: 'systemd', file: 'getty@.service', startType: 'enabled' },
      {
        name: 'ssh',
        source: 'systemd',
        file: 'ssh.service',
        startType: 'disabled',
        state: 'dead',
        displayName: 'OpenBSD Secure Shell server',
      },
      { name: 'sshd', source: 'systemd', file: 'sshd.service', startType: 'alias' },
      {
        name: 'teamviewerd',
        source: 'systemd',
        file: '/usr/lib/systemd/system/teamviewerd.service',
        startType: 'disabled',
        state: 'failed',
        displayName: 'TeamViewer remote control daemon',
        path: '/opt/teamviewer/tv_bin/teamviewerd',
        args: '-d',
      },
      {
        name: 'x11vnc@',
        source: 'systemd',
        file: '/usr/lib/systemd/system/x11vnc@.service',
        startType: 'static',
        path: '/usr/bin/x11vnc',
        args: '-display :%i -forever',
      },
      { name: 'getty@tty1', source: 'systemd', file: 'getty@tty1.service', state: 'running', displayName: 'Getty on tty1' },
      { name: 'rustdesk', source: 'systemd', file: 'rustdesk.service', state: 'dead', displayName: 'rustdesk.service' },
      {
        name: 'x11vnc@1',
        source: 'systemd',
        file: '/usr/lib/systemd/system/x11vnc@.service',
        state: 'running',
        displayName: 'VNC server for display :1',
        path: '/usr/bin/x11vnc',
        args: '-display :%i -forever',
      },
    ]);
    // socket-activated OpenSSH counts as an enabled SSH server
    expect(settings).toEqual([
      {
        key: 'ssh-server.enabled',
        value: true,
        source: 'systemctl: ssh.service disabled, sshd.service alias, ssh.socket enabled, ssh.service inactive',
      },
    ]);
  });

  it('says the SSH server is off when its units are disabled and dead', async () => {
    const runner = new ReplayRunner({
      commands: {
        'systemctl list-unit-files --type=service,socket --no-legend --no-pager':
          'ssh.service disabled enabled\nssh.socket disabled enabled\n',
        'systemctl list-units --type=service --all --no-legend --no-pager --plain':
          'ssh.service loaded inactive dead OpenBSD Secure Shell server\n',
      },
    });
    const { settings } = await linuxSystemd.collect(ctx(runner));
    expect(settings).toEqual([
      { key: 'ssh-server.enabled', value: false, source: 'systemctl: ssh.service disabled, ssh.socket disabled, ssh.service inactive' },
    ]);
  });

  it('reads ExecStart= like systemd: prefixes, quotes, a reset line, other sections ignored', () => {
    expect(parseExecStart('[Unit]\nExecStart=/not/here\n[Service]\nExecStart=\nExecStart=@-/usr/bin/prog argv0 "a b"\n')).toEqual({
      path: '/usr/bin/prog',
      args: 'argv0 a b',
    });
    expect(parseExecStart('[Service]\nType=oneshot\n')).toBeUndefined();
    // the section's name inside another line, before its real header, in CRLF text; no header at all
    expect(parseExecStart('[Unit]\r\nDescription=see [Service] below\r\nExecStart=/no\r\n  [Service]  \r\nExecStart=/yes a\r\n')).toEqual({
      path: '/yes',
      args: 'a',
    });
    expect(parseExecStart('ExecStart=/no\n[Unit]\nExecStart=/no\n')).toBeUndefined();
  });

  it('reads [Install] keys from the section alone, wherever its name also appears', () => {
    expect(installKinds('[Unit]\nDescription=no [Install] here\nWantedBy=a.target\n')).toEqual({ wanted: false, also: false });
    expect(installKinds('[Unit]\nDescription=[Install]\n[Install]\nAlso=b.service\n[X]\nWantedBy=a.target\n')).toEqual({
      wanted: false,
      also: true,
    });
    expect(installKinds('[Install]\r\nWantedBy = multi-user.target\r\n')).toEqual({ wanted: true, also: false });
    expect(installKinds('')).toEqual({ wanted: false, also: false });
  });

  it('fails with one line when systemctl is missing', async () => {
    const err = await linuxSystemd.collect(ctx(new ReplayRunner({}))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('systemctl not found');
  });
});
