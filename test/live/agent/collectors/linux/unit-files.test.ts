import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RealRunner } from '../../../../../agent/runner.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { linuxSystemd } from '../../../../../agent/collectors/linux/services-systemd.ts';
import { installKinds, listUnitFiles } from '../../../../../agent/collectors/linux/unit-files.ts';

// Enablement read from the unit folders must say what `systemctl list-unit-files` says.

const readWith = (r: RealRunner | ReplayRunner) => (f: string) =>
  r.readFile(f, 65536).then(
    (b) => b.toString('utf8'),
    () => undefined,
  );

describe('unit files from the folders', () => {
  it('agree with systemctl list-unit-files on this machine, unit for unit', async () => {
    let out: string;
    try {
      out = execFileSync('/usr/bin/systemctl', ['list-unit-files', '--type=service,socket', '--no-legend', '--no-pager'], {
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      });
    } catch (e) {
      throw new Error(
        `systemctl list-unit-files failed (scripts/setup-test-host.sh installs systemd): ${(e as Error).message.split('\n')[0]}`,
      );
    }
    const real = new Map(
      out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .map(([u, s]) => [u, s]),
    );
    expect(real.size).toBeGreaterThan(10);
    const runner = new RealRunner();
    const mine = new Map((await listUnitFiles(runner, readWith(runner))).map((u) => [u.unit, u.state]));
    expect(Object.fromEntries(mine)).toEqual(Object.fromEntries(real));
    expect([...mine.keys()]).toEqual([...real.keys()]); // and in systemctl's order (services, then sockets)
  });

  it('works out masked, alias, enabled (also through an instance), runtime, generated, disabled, indirect and static', async () => {
    const U = '/usr/lib/systemd/system';
    const runner = new ReplayRunner({
      files: {
        [`${U}/systemd-journald.service`]: '[Service]\nExecStart=/usr/lib/systemd/systemd-journald\n',
        [`${U}/ssh.service`]: '[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n',
        [`${U}/getty@.service`]: '[Service]\nExecStart=-/sbin/agetty %I\n[Install]\nWantedBy=getty.target\n',
        [`${U}/x11vnc.service`]: '[Service]\nExecStart=/usr/bin/x11vnc\n[Install]\nWantedBy=graphical.target\n',
        [`${U}/helper.socket`]: '[Socket]\nListenStream=1\n[Install]\nAlso=helper.service\n',
        [`${U}/rt.service`]: '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
        '/run/systemd/generator/legacy.service': '[Service]\nExecStart=/etc/init.d/legacy start\n',
        [`${U}/anydesk.service`]: '[Service]\nExecStart=/usr/bin/anydesk --service\n[Install]\nWantedBy=multi-user.target\n',
      },
      links: {
        '/etc/systemd/system/sshd.service': `${U}/ssh.service`,
        '/etc/systemd/system/multi-user.target.wants/ssh.service': `${U}/ssh.service`,
        '/etc/systemd/system/getty.target.wants/getty@tty1.service': `${U}/getty@.service`,
        '/etc/systemd/system/anydesk.service': '/dev/null',
        '/run/systemd/system/multi-user.target.wants/rt.service': `${U}/rt.service`,
      },
    });
    const got = Object.fromEntries((await listUnitFiles(runner, readWith(runner))).map((u) => [u.unit, u.state]));
    expect(got).toEqual({
      'anydesk.service': 'masked',
      'getty@.service': 'enabled',
      'helper.socket': 'indirect',
      'legacy.service': 'generated',
      'rt.service': 'enabled-runtime',
      'ssh.service': 'enabled',
      'sshd.service': 'alias',
      'systemd-journald.service': 'static',
      'x11vnc.service': 'disabled',
    });
    // the collector uses the folders here (systemd's own unit is present) and never asks systemctl
    const { services = [] } = await linuxSystemd.collect({ runner, hints: { executableNames: [] }, allowProbes: false });
    expect(services.find((s) => s.name === 'ssh')).toMatchObject({
      startType: 'enabled',
      path: '/usr/sbin/sshd',
      file: `${U}/ssh.service`,
    });
    expect(services.find((s) => s.name === 'anydesk')).toMatchObject({ startType: 'masked' });
  });

  it('reads [Install] keys only from the [Install] section', () => {
    expect(installKinds('[Unit]\nWantedBy=x\n[Service]\nExecStart=/a\n')).toEqual({ wanted: false, also: false });
    expect(installKinds('[Install]\nWantedBy=\nAlso=b.service\n')).toEqual({ wanted: false, also: true });
  });
});
