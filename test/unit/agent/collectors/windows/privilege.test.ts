import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { privilegeOf } from '../../../../../agent/cli/scan-command.ts';
import { collectInventory } from '../../../../../agent/collect.ts';
import { windowsPlatform } from '../../../../../agent/collectors/windows/index.ts';
import { parsePrivilege, privilegeCollector } from '../../../../../agent/collectors/windows/privilege.ts';
import { loadReplayDir, ReplayRunner } from '../../../../helpers/replay-runner.ts';

// Issue 10: a Windows scan says whether it ran as an administrator, from the collector's
// WindowsPrincipal check replayed from test/fixtures/windows (formats: privilege-user/README.md).

const FIX = resolve(import.meta.dirname, '../../../../fixtures/windows');
const replay = (dir: string) => ({ runner: loadReplayDir(join(FIX, dir)), hints: { executableNames: [] }, allowProbes: false });

describe('the Windows administrator check', () => {
  it('reads LocalSystem as privileged and a non-elevated user as not', async () => {
    expect((await privilegeCollector.collect(replay('laptop-anydesk'))).settings).toEqual([
      { key: 'agent.privileged', value: true, source: 'WindowsPrincipal.IsInRole(Administrator) as NT AUTHORITY\\SYSTEM' },
    ]);
    expect((await privilegeCollector.collect(replay('privilege-user'))).settings?.[0]).toMatchObject({
      key: 'agent.privileged',
      value: false,
    });
  });

  it('gives a failed or garbled check one line and no setting', async () => {
    const none = { runner: new ReplayRunner({}), hints: { executableNames: [] }, allowProbes: false };
    await expect(privilegeCollector.collect(none)).rejects.toThrow(/^administrator check: PowerShell host facts failed: .*not found$/);
    expect(() => parsePrivilege('{"Administrator":"True"}')).toThrow('administrator check: no Administrator true/false in the answer');
    expect(() => parsePrivilege('Access denied')).toThrow(/^administrator check: output is not valid JSON/);
    expect(() => parsePrivilege('')).toThrow(/no Administrator/);
  });

  it('sets the top-level privileged flag and the warning of a Windows scan from it', async () => {
    const ctx = replay('privilege-user');
    const inv = await collectInventory(windowsPlatform, ctx, { hostname: 'LT-CORP-0142' });
    expect(inv.sources.find((s) => s.name === 'windows.privilege')).toMatchObject({ ok: true, count: 1 });
    // on Windows process.getuid is absent: the uid says nothing (undefined), the check decides
    expect(privilegeOf(inv, undefined)).toEqual({
      privileged: false,
      warning:
        'not running as an elevated Administrator: executable paths, hashes and socket owners of other users\' processes are missing (result has "privileged": false)',
    });
    const system = await collectInventory(windowsPlatform, replay('laptop-clean'), { hostname: 'LT-CORP-0142' });
    expect(privilegeOf(system, undefined)).toEqual({ privileged: true });
    // a check that could not run leaves the flag out rather than guessing
    const failed = await collectInventory(windowsPlatform, { ...ctx, runner: new ReplayRunner({}) }, { hostname: 'x' });
    expect(failed.sources.find((s) => s.name === 'windows.privilege')?.ok).toBe(false);
    expect(privilegeOf(failed, undefined)).toEqual({ privileged: undefined });
    // Linux and macOS: the uid decides, with the root wording
    expect(privilegeOf(failed, false).warning).toMatch(/^not running as root: /);
    expect(privilegeOf(inv, true)).toEqual({ privileged: true });
  });
});
