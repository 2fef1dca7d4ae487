import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linuxConsoleUser } from '../../../../../agent/collectors/linux/console-user.ts';
import { agentHome, gsettingsMayDiffer, parseGsettingsSources } from '../../../../../agent/collectors/linux/context.ts';
import { logindNotRunning, readLogindConsoleUser } from '../../../../../agent/collectors/linux/logind-state.ts';
import { DPKG_ARGS, parseDpkg, readDpkgStatus } from '../../../../../agent/collectors/linux/packages-dpkg.ts';
import { SYSTEMD_BOOTED, UNITS_ARGS } from '../../../../../agent/collectors/linux/services-systemd.ts';
import { RealRunner } from '../../../../../agent/runner.ts';

// Where the Linux collectors read files instead of starting a program, the program on this very host must
// agree: dpkg-query with the status file, loginctl with logind's state files, and systemctl / gsettings
// with the reasons for not starting them.

const runner = new RealRunner();
const tool = (name: string) => {
  const path = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((d) => `${d}/${name}`).find((p) => existsSync(p));
  if (!path) throw new Error(`${name} is not installed on this host; the live comparison needs it (scripts/setup-test-host.sh)`);
  return path;
};
const run = (name: string, args: string[]) =>
  spawnSync(tool(name), args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });

describe('file readers agree with the programs they replace, on this host', () => {
  it('dpkg: the status file gives exactly what dpkg-query prints', async () => {
    const fromFile = await readDpkgStatus(runner);
    expect(fromFile, 'the status file was not read (missing, too large, or updates pending)').toBeDefined();
    const fromQuery = parseDpkg(execFileSync(tool('dpkg-query'), DPKG_ARGS, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
    expect(fromQuery.length).toBeGreaterThan(50);
    expect(fromFile).toEqual(fromQuery);
  });

  it('logind: the state files name the user loginctl names, and where they say logind is down, loginctl fails', async () => {
    const fromFiles = await readLogindConsoleUser(runner);
    if (fromFiles) {
      expect(fromFiles.user).toBe(await linuxConsoleUser(runner));
    } else if (await logindNotRunning(runner)) {
      const r = run('loginctl', ['list-sessions', '--no-legend', '--no-pager']);
      expect(r.status).not.toBe(0);
      expect(r.stdout.trim()).toBe('');
    } else {
      // neither state files nor proof that logind is down: the collector asks loginctl, which must answer
      expect(run('loginctl', ['list-sessions', '--no-legend', '--no-pager']).status).toBe(0);
    }
  });

  it('systemd: without /run/systemd/system, systemctl list-units cannot answer', () => {
    const r = run('systemctl', UNITS_ARGS);
    if (existsSync(SYSTEMD_BOOTED)) expect(r.status).toBe(0);
    else {
      expect(r.status).not.toBe(0);
      expect(r.stdout.trim()).toBe('');
    }
  });

  it('gsettings: where nothing can change the default, it prints no input source', async () => {
    const r = run('gsettings', ['get', 'org.gnome.desktop.input-sources', 'sources']);
    if (!(await gsettingsMayDiffer(runner, await agentHome(runner))))
      expect(r.status === 0 ? parseGsettingsSources(r.stdout) : []).toEqual([]);
    else expect(r.error).toBeUndefined();
  });
});
