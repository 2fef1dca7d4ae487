import { describe, expect, it } from 'vitest';
import { linuxSystemd, SYSTEMD_BOOTED, UNITS_ARGS } from '../../../../../agent/collectors/linux/services-systemd.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';

// Live unit states come only from systemctl (systemd's D-Bus API); it is not started where it can only fail.

const LIST_UNITS = ['systemctl', ...UNITS_ARGS].join(' ');
const VENDOR = '/usr/lib/systemd/system';
const installation = {
  [`${VENDOR}/systemd-journald.service`]: '[Service]\nExecStart=/usr/lib/systemd/systemd-journald\n',
  [`${VENDOR}/x11vnc.service`]: '[Service]\nExecStart=/usr/bin/x11vnc -forever\n',
};
const ctx = (runner: ReplayRunner) => ({ runner, hints: { executableNames: [] }, allowProbes: false });

describe('linux.systemd live states', () => {
  it('are asked of systemctl when systemd is PID 1', async () => {
    const runner = new ReplayRunner({
      files: { ...installation, [`${SYSTEMD_BOOTED}/.keep`]: '' },
      commands: { [LIST_UNITS]: 'x11vnc.service loaded active running x11vnc\n' },
    });
    const { services = [], warnings } = await linuxSystemd.collect(ctx(runner));
    expect(services.find((s) => s.name === 'x11vnc')).toMatchObject({ state: 'running', path: '/usr/bin/x11vnc' });
    expect(warnings).toEqual([]);
    expect(runner.calls).toEqual([LIST_UNITS]);
  });

  it('are unknown without starting systemctl on an installation where systemd is not PID 1', async () => {
    const runner = new ReplayRunner({ files: installation, commands: { [LIST_UNITS]: 'x11vnc.service loaded active running x11vnc\n' } });
    const { services = [], warnings } = await linuxSystemd.collect(ctx(runner));
    expect(services.find((s) => s.name === 'x11vnc')).toEqual({
      name: 'x11vnc',
      source: 'systemd',
      file: `${VENDOR}/x11vnc.service`,
      startType: 'static',
      path: '/usr/bin/x11vnc',
      args: '-forever',
    });
    expect(warnings).toEqual(['unit states unknown: systemd is not running here (no /run/systemd/system)']);
    expect(runner.calls).toEqual([]);
  });
});
