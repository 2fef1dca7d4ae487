import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linuxUser } from '../../../../../agent/collectors/linux/console-user.ts';
import { LOGIND_SEAT0, LOGIND_SESSIONS, parseStateFile, sortSessionIds } from '../../../../../agent/collectors/linux/logind-state.ts';
import { SYSTEMD_BOOTED } from '../../../../../agent/collectors/linux/services-systemd.ts';
import type { CollectorContext } from '../../../../../agent/collectors/types.ts';
import { FIXTURES } from '../../../../helpers/paths.ts';
import { loadReplayDir, ReplayRunner, type ReplaySpec } from '../../../../helpers/replay-runner.ts';

// The console user from systemd-logind's state files instead of loginctl
// (test/fixtures/linux/logind-state/README.md gives the format's source).

const ctx = (runner: ReplayRunner): CollectorContext => ({ runner, hints: { executableNames: [] }, allowProbes: false });
const session = (user: string, o: { active?: 0 | 1; remote?: 0 | 1; cls?: string } = {}) =>
  `# This is private data. Do not parse.\nUID=1000\nUSER=${user}\nACTIVE=${o.active ?? 1}\nIS_DISPLAY=1\nSTATE=active\nREMOTE=${o.remote ?? 0}\nTYPE=tty\nCLASS=${o.cls ?? 'user'}\n`;
const seat = (active?: string) =>
  `# This is private data. Do not parse.\nIS_SEAT0=1\nCAN_MULTI_SESSION=1\n${active ? `ACTIVE=${active}\n` : ''}`;
const run = async (spec: ReplaySpec) => {
  const runner = new ReplayRunner(spec);
  const got = await linuxUser.collect(ctx(runner));
  return { got, calls: runner.calls };
};

describe('Linux console user from logind state files', () => {
  it("is the user of seat0's active session, without starting loginctl", async () => {
    const runner = loadReplayDir(join(FIXTURES, 'linux', 'logind-state'));
    expect(await linuxUser.collect(ctx(runner))).toEqual({ consoleUser: 'alice' });
    expect(runner.calls).toEqual([]);
  });

  it('without an active seat session: an active local user session before a remote one, never a greeter', async () => {
    const files = {
      [LOGIND_SEAT0]: seat(),
      [`${LOGIND_SESSIONS}/c1`]: session('gdm', { cls: 'greeter' }),
      [`${LOGIND_SESSIONS}/4`]: session('bob', { remote: 1 }),
      [`${LOGIND_SESSIONS}/12`]: session('carol'),
      [`${LOGIND_SESSIONS}/5`]: session('dave', { active: 0 }),
    };
    expect(await run({ files })).toEqual({ got: { consoleUser: 'carol' }, calls: [] });
    const remoteOnly = {
      [LOGIND_SEAT0]: seat('c1'),
      [`${LOGIND_SESSIONS}/c1`]: files[`${LOGIND_SESSIONS}/c1`],
      [`${LOGIND_SESSIONS}/4`]: files[`${LOGIND_SESSIONS}/4`],
    };
    expect(await run({ files: remoteOnly })).toEqual({ got: { consoleUser: 'bob' }, calls: [] });
  });

  it('says nobody when only the greeter is there or no session exists', async () => {
    expect(await run({ files: { [LOGIND_SEAT0]: seat('c1'), [`${LOGIND_SESSIONS}/c1`]: session('gdm', { cls: 'greeter' }) } })).toEqual({
      got: {},
      calls: [],
    });
    expect(await run({ files: { [LOGIND_SEAT0]: seat() } })).toEqual({ got: {}, calls: [] });
  });

  it('escapes a hostile user name and ignores names that are not session ids', async () => {
    const files = {
      [LOGIND_SEAT0]: seat('../../etc/passwd'),
      [`${LOGIND_SESSIONS}/.#3abc`]: session('temp'),
      [`${LOGIND_SESSIONS}/3`]: session('ev\x1b[31mil'),
    };
    expect(await run({ files })).toEqual({ got: { consoleUser: 'ev\\x1b[31mil' }, calls: [] });
  });

  it('asks loginctl where logind wrote no state, and fails in one line without it where logind cannot run', async () => {
    const seatCmd = 'loginctl show-seat seat0 --property=ActiveSession --no-pager';
    const show = 'loginctl show-session 2 --property=Name --property=Class --property=Active --property=Remote --no-pager';
    const commands = { [seatCmd]: 'ActiveSession=2\n', [show]: 'Name=alice\nClass=user\nActive=yes\nRemote=no\n' };
    // systemd is PID 1 but logind has not written seat0 (yet): loginctl knows
    expect(await run({ commands, files: { [`${SYSTEMD_BOOTED}/.keep`]: '' } })).toEqual({
      got: { consoleUser: 'alice' },
      calls: [seatCmd, show],
    });
    // systemd installed (/run/systemd) but not PID 1, no elogind either: loginctl could only fail
    const runner = new ReplayRunner({ commands, files: { [`${LOGIND_SESSIONS}/.keep`]: '' } });
    await expect(linuxUser.collect(ctx(runner))).rejects.toThrow(
      /^systemd-logind is not running here \(no \/run\/systemd\/seats\/seat0, no \/run\/systemd\/system\)$/,
    );
    expect(runner.calls).toEqual([]);
  });

  it('parses KEY=value lines, skipping comments, and orders session ids as numbers first', () => {
    expect(parseStateFile('# ACTIVE=9\nACTIVE=3\nUSER= bob \nbroken\n=x\n')).toEqual({ ACTIVE: '3', USER: 'bob' });
    expect(sortSessionIds(['c2', '10', '9', 'c1', '$(x)', '.#tmp', '2'])).toEqual(['2', '9', '10', 'c1', 'c2']);
  });
});
