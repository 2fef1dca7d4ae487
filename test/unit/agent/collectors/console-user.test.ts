import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../agent/collect.ts';
import { userName } from '../../../../agent/collectors/common/console-user.ts';
import { linuxUser, parseSessionIds } from '../../../../agent/collectors/linux/console-user.ts';
import { darwinUser } from '../../../../agent/collectors/macos/console-user.ts';
import { windowsPlatform } from '../../../../agent/collectors/windows/index.ts';
import type { CollectorContext } from '../../../../agent/collectors/types.ts';
import { ReplayRunner, type ReplaySpec } from '../../../helpers/replay-runner.ts';
import { replayContext } from '../../../fixtures/windows/make-inventories.ts';

// The console user, the report's host.user, on each OS from replayed command output. Formats: systemd's
// loginctl(1) (show-seat / show-session --property print Key=value lines; list-sessions --no-legend prints
// SESSION UID USER SEAT TTY... columns), BSD stat(1) `-f %Su`, and Win32_ComputerSystem.UserName
// (DOMAIN\user) as test/fixtures/windows/README.md describes.

const ctx = (spec: ReplaySpec): CollectorContext => ({
  runner: new ReplayRunner(spec),
  hints: { executableNames: [] },
  allowProbes: false,
});
const LC = 'loginctl';
const seat = `${LC} show-seat seat0 --property=ActiveSession --no-pager`;
const show = (id: string) => `${LC} show-session ${id} --property=Name --property=Class --property=Active --property=Remote --no-pager`;
const list = `${LC} list-sessions --no-legend --no-pager`;

describe('Linux console user (loginctl)', () => {
  it("is the owner of seat0's active session", async () => {
    const got = await linuxUser.collect(
      ctx({
        commands: {
          [seat]: 'ActiveSession=2\n',
          [show('2')]: 'Name=alice\nClass=user\nActive=yes\nRemote=no\n',
        },
      }),
    );
    expect(got).toEqual({ consoleUser: 'alice' });
  });

  it('without a seat, takes an active local user session before a remote one, and skips the greeter', async () => {
    const got = await linuxUser.collect(
      ctx({
        commands: {
          [seat]: { code: 1, stderr: "Failed to get seat: No seat 'seat0' known.\n" },
          [list]: '     c1  120 gdm      seat0 tty1\n      4 1001 bob              pts/0\n      5 1000 carol            tty2\n',
          [show('c1')]: 'Name=gdm\nClass=greeter\nActive=yes\nRemote=no\n',
          [show('4')]: 'Name=bob\nClass=user\nActive=yes\nRemote=yes\n',
          [show('5')]: 'Name=carol\nClass=user\nActive=yes\nRemote=no\n',
        },
      }),
    );
    expect(got).toEqual({ consoleUser: 'carol' });
  });

  it('says nobody when only the greeter is there, and fails with one line when logind cannot answer', async () => {
    expect(
      await linuxUser.collect(
        ctx({
          commands: {
            [seat]: 'ActiveSession=c1\n',
            [show('c1')]: 'Name=gdm\nClass=greeter\nActive=yes\nRemote=no\n',
            [list]: '     c1  120 gdm      seat0 tty1\n',
          },
        }),
      ),
    ).toEqual({});
    const down = {
      code: 1,
      stderr: "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n",
    };
    await expect(linuxUser.collect(ctx({ commands: { [seat]: down, [list]: down } }))).rejects.toThrow(
      /^loginctl list-sessions failed: System has not been booted with systemd/,
    );
    await expect(linuxUser.collect(ctx({}))).rejects.toMatchObject({ name: 'SourceAbsent' });
  });

  it('reads at most 16 sessions and only id-shaped first columns', () => {
    const many = Array.from({ length: 40 }, (_, i) => ` ${i} 1000 u${i} seat0 tty${i}`).join('\n');
    expect(parseSessionIds(many)).toHaveLength(16);
    expect(parseSessionIds('$(x) 0 root\n')).toEqual([]);
  });
});

describe('macOS console user (stat -f %Su /dev/console)', () => {
  const cmd = '/usr/bin/stat -f %Su /dev/console';
  it('is the owner of /dev/console; root and the setup assistant mean nobody', async () => {
    expect(await darwinUser.collect(ctx({ commands: { [cmd]: 'jdoe\n' } }))).toEqual({ consoleUser: 'jdoe' });
    expect(await darwinUser.collect(ctx({ commands: { [cmd]: 'root\n' } }))).toEqual({});
    expect(await darwinUser.collect(ctx({ commands: { [cmd]: '_mbsetupuser\n' } }))).toEqual({});
  });
});

describe('Windows console user (Win32_ComputerSystem.UserName)', () => {
  it("goes into the inventory's host.user as DOMAIN\\user", async () => {
    const inv = await collectInventory(windowsPlatform, replayContext('laptop-clean'), { hostname: 'LT-CORP-0142' });
    expect(inv.host.user).toBe('CORP\\j.meyer');
    expect(inv.sources.find((s) => s.name === 'windows.user')).toMatchObject({ ok: true });
  });
});

describe('user names', () => {
  it('are escaped and bounded like every string from the laptop', () => {
    expect(userName('  eve\u202e\n ')).toBe('eve\\u202e');
    expect(userName('x'.repeat(1000))!.length).toBeLessThanOrEqual(255);
    expect(userName('loginwindow')).toBeUndefined();
  });
});
