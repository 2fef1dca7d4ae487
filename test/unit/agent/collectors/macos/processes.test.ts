import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../../agent/collect.ts';
import { darwinPlatform } from '../../../../../agent/collectors/macos/index.ts';
import { parsePsArgs, parsePsComm, processesCollector } from '../../../../../agent/collectors/macos/processes.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { loadMacFixture, macContext } from '../../../../fixtures/macos/replay.ts';

describe('darwin.processes', () => {
  it('joins the ps comm and args listings: full executable paths, names with spaces and parentheses', async () => {
    const runner = loadMacFixture('remote-tools');
    const { processes } = await processesCollector.collect(macContext(runner));
    expect(processes).toHaveLength(21);
    const byPid = new Map(processes!.map((p) => [p.pid, p]));
    expect(byPid.get(412)).toEqual({
      pid: 412,
      ppid: 1,
      name: 'AnyDesk',
      user: 'root',
      exe: '/Applications/AnyDesk.app/Contents/MacOS/AnyDesk',
      cmdline: '/Applications/AnyDesk.app/Contents/MacOS/AnyDesk --service',
    });
    expect(byPid.get(655)).toMatchObject({
      name: 'Splashtop Streamer',
      exe: '/Applications/Splashtop Streamer.app/Contents/MacOS/Splashtop Streamer',
      user: 'alex',
    });
    expect(byPid.get(805)).toMatchObject({
      ppid: 800,
      name: 'Google Chrome Helper (Renderer)',
      exe: '/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/131.0.6778.86/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer)',
    });
    // the renamed AnyDesk is reported under the name it runs as; codesign (see macos-codesign) unmasks it
    expect(byPid.get(2250)).toMatchObject({ name: 'syncd', exe: '/Users/alex/Library/Application Support/.sysupd/syncd', user: 'alex' });
    expect(byPid.get(140)?.user).toBe('_mdnsresponder');
    expect(runner.calls).toEqual(['/bin/ps -axww -o pid=,ppid=,user=,comm=', '/bin/ps -axww -o pid=,args=']);
  });

  it('escapes terminal control and bidi characters from a hostile command line', async () => {
    const { processes } = await processesCollector.collect(macContext(loadMacFixture('remote-tools')));
    const p = processes!.find((x) => x.pid === 2301)!;
    expect(p.cmdline).toBe('/private/tmp/x \\x1b[2J\\u202egnp.ssecorp');
    expect(p.cmdline).not.toMatch(/[\u001b\u202e]/);
  });

  it('skips unparsable lines, and names a process ps cannot resolve by its bare name', async () => {
    const runner = loadMacFixture('failing-sources');
    const { processes } = await processesCollector.collect(macContext(runner));
    expect(processes).toEqual([
      { pid: 1, ppid: 0, name: 'launchd', user: 'root', exe: '/sbin/launchd', cmdline: '/sbin/launchd' },
      {
        pid: 418,
        ppid: 1,
        name: 'TeamViewer_Service',
        user: 'root',
        exe: '/Applications/TeamViewer.app/Contents/MacOS/TeamViewer_Service',
        cmdline: '/Applications/TeamViewer.app/Contents/MacOS/TeamViewer_Service',
      },
      {
        pid: 433,
        ppid: 1,
        name: 'ARDAgent',
        user: 'root',
        exe: '/System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/MacOS/ARDAgent',
        cmdline: '/System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/MacOS/ARDAgent',
      },
      // ps prints "(name)" when it cannot read a process's path: no exe, the bare name
      { pid: 700, ppid: 1, name: 'sync job', user: 'kim', cmdline: '/Users/kim/bin/sync job --every 5 min' },
    ]);
    expect(runner.calls).toEqual(['/bin/ps -axww -o pid=,ppid=,user=,comm=', '/bin/ps -axww -o pid=,args=']);
  });

  it('runs ps twice per scan, never ps-list: darwin.settings looks for ARDAgent in the same table', async () => {
    const runner = loadMacFixture('remote-tools');
    const inv = await collectInventory(darwinPlatform, macContext(runner));
    expect(runner.calls.filter((c) => c === 'ps-list' || c.startsWith('/bin/ps '))).toEqual([
      '/bin/ps -axww -o pid=,ppid=,user=,comm=',
      '/bin/ps -axww -o pid=,args=',
    ]);
    expect(inv.processes).toHaveLength(21);
    expect(inv.settings.find((s) => s.key === 'remote-management.enabled')?.source).toMatch(/; no ARDAgent process$/);
  });

  it('throws one line when ps cannot list processes; without command lines it still names them', async () => {
    const runner = new ReplayRunner({ commands: { '/bin/ps -axww -o pid=,ppid=,user=,comm=': { error: 'ETIMEDOUT' } } });
    await expect(processesCollector.collect(macContext(runner))).rejects.toThrow(/^ps failed: \/bin\/ps: ETIMEDOUT$/);
    const noArgs = new ReplayRunner({
      commands: {
        '/bin/ps -axww -o pid=,ppid=,user=,comm=': '    1     0 root /sbin/launchd\n',
        '/bin/ps -axww -o pid=,args=': { error: 'ETIMEDOUT' },
      },
    });
    expect((await processesCollector.collect(macContext(noArgs))).processes).toEqual([
      { pid: 1, ppid: 0, name: 'launchd', user: 'root', exe: '/sbin/launchd' },
    ]);
  });

  it('parses ps columns with wide pids and users, and ignores junk', () => {
    const rows = parsePsComm('99999     1 _windowserver /System/Library/x y/WindowServer\nnot a row\n  12 3 root\n');
    expect([...rows.values()]).toEqual([{ pid: 99999, ppid: 1, user: '_windowserver', comm: '/System/Library/x y/WindowServer' }]);
    expect([...parsePsArgs('  7 /bin/zsh -l\n  8 \n').entries()]).toEqual([[7, '/bin/zsh -l']]);
  });
});
