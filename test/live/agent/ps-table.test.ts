import { describe, expect, it } from 'vitest';
import { parsePsTable, PS_ARGS_ARGS, PS_FIELDS_ARGS } from '../../../agent/ps-table.ts';
import { RealRunner, type ExecOptions, type ExecResult } from '../../../agent/runner.ts';
import { childEnv } from '../../../agent/system-programs.ts';

// The process list: on Linux read from /proc in-process, elsewhere `ps` through the runner (absolute path,
// argument array, minimal environment).

/** Records what listProcesses asks the real exec to run. */
class RecordingRunner extends RealRunner {
  calls: { cmd: string; args: string[] }[] = [];
  override exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ cmd, args });
    return super.exec(cmd, args, opts);
  }
}

describe('process table', () => {
  it("runs ps through exec (which gives children the minimal environment), never the agent's secrets", async () => {
    const before = process.env.RATWATCH_TOKEN;
    process.env.RATWATCH_TOKEN = 'secret-token-must-not-leak';
    try {
      const runner = new RecordingRunner();
      const list = await runner.listProcessesWithPs();
      expect(runner.calls).toEqual([
        { cmd: 'ps', args: PS_FIELDS_ARGS },
        { cmd: 'ps', args: PS_ARGS_ARGS },
      ]);
      expect(Object.values(childEnv())).not.toContain('secret-token-must-not-leak');
      expect(Object.keys(childEnv()).sort()).toEqual(['HOME', 'LANG', 'LC_ALL', 'PATH'].filter((k) => k !== 'HOME' || process.env.HOME));
      // our own process is there, named after its executable like ps-list names it
      const me = list.find((p) => p.pid === process.pid);
      expect(me?.name).toBe(process.execPath.split('/').pop());
      expect(me?.ppid).toBe(process.ppid);
      expect(me?.uid).toBe(process.getuid!());
      expect(me?.cmd).toContain(process.execPath.split('/').pop());
    } finally {
      if (before === undefined) delete process.env.RATWATCH_TOKEN;
      else process.env.RATWATCH_TOKEN = before;
    }
  });

  it('on Linux reads /proc itself, runs no program, and agrees with ps on every process that lives through both', async () => {
    expect(process.platform).toBe('linux');
    const runner = new RecordingRunner();
    const before = new Map((await runner.listProcessesWithPs()).map((p) => [p.pid, p]));
    runner.calls = [];
    const ours = await runner.listProcesses();
    expect(runner.calls).toEqual([]);
    const after = new Map((await runner.listProcessesWithPs()).map((p) => [p.pid, p]));
    // kernel workers rename themselves as they change jobs: compare what ps saw the same both times
    const stable = ours.filter((p) => {
      const a = before.get(p.pid);
      const b = after.get(p.pid);
      return a && b && a.name === b.name && a.ppid === b.ppid && a.uid === b.uid;
    });
    expect(stable.length).toBeGreaterThan(5);
    for (const p of stable) {
      const ps = before.get(p.pid)!;
      expect({ pid: p.pid, name: p.name, ppid: p.ppid, uid: p.uid }).toEqual({ pid: ps.pid, name: ps.name, ppid: ps.ppid, uid: ps.uid });
    }
    const me = ours.find((p) => p.pid === process.pid);
    expect(me).toMatchObject({ name: process.execPath.split('/').pop(), ppid: process.ppid, uid: process.getuid!() });
    // every process ps lists in both readings is in ours
    for (const pid of before.keys())
      if (after.has(pid))
        expect(
          ours.some((p) => p.pid === pid),
          `pid ${pid}`,
        ).toBe(true);
  });

  it('a program run through exec sees no token in its environment', async () => {
    process.env.RATWATCH_TOKEN = 'secret-token-must-not-leak';
    try {
      const r = await new RealRunner().exec('/usr/bin/env', []);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('LC_ALL=C');
      expect(r.stdout).not.toContain('secret-token-must-not-leak');
      expect(r.stdout).not.toContain('RATWATCH_TOKEN');
    } finally {
      delete process.env.RATWATCH_TOKEN;
    }
  });

  it('joins the two listings by pid and keeps comm with spaces; names come from comm when no path resolves', () => {
    const fields = '    1     0     0 systemd\n 4242     1  1000 Web Content\n';
    const args = '    1 /bin/sh -c true\n 4242 \n';
    expect(parsePsTable(fields, args, 'darwin')).toEqual([
      { pid: 1, ppid: 0, uid: 0, name: 'sh', cmd: '/bin/sh -c true' },
      { pid: 4242, ppid: 1, uid: 1000, name: 'Web Content', cmd: '' },
    ]);
  });
});
