import { createServer, type Server } from 'node:net';
import psList from 'ps-list';
import si from 'systeminformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linuxProcesses } from '../../../../../agent/collectors/linux/processes.ts';
import { linuxSockets, parseSs, SS_ARGS } from '../../../../../agent/collectors/linux/sockets.ts';
import type { CollectorContext } from '../../../../../agent/collectors/types.ts';
import { RealRunner } from '../../../../../agent/runner.ts';

// systeminformation is an independent reading of the same machine. The agent does not use it (it runs
// its commands through a shell, and its output cannot be replayed in tests), so here it serves as a
// second opinion: what it sees, our collectors must see too.

const ctx: CollectorContext = { runner: new RealRunner(), hints: { executableNames: [] }, allowProbes: false };
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('linux collectors agree with systeminformation and ps-list', () => {
  it('list every process systeminformation lists that is still running, under the same parent', async () => {
    const theirs = (await si.processes()).list;
    const ours = new Map((await linuxProcesses.collect(ctx)).processes!.map((p) => [p.pid, p]));
    const after = new Set((await ctx.runner.listProcesses()).map((p) => p.pid));
    const stable = theirs.filter((p) => after.has(p.pid));
    expect(stable.length).toBeGreaterThan(5);
    for (const p of stable) {
      expect(ours.has(p.pid), `pid ${p.pid} ${p.name}`).toBe(true);
      expect(ours.get(p.pid)!.ppid, `ppid of ${p.pid}`).toBe(p.parentPid);
    }
  });

  it('read the process table as ps-list reads it: same pids, parents and names for processes that live through both reads', async () => {
    // the agent reads `ps` itself (agent/ps-table.ts: absolute path, minimal environment, no secrets); ps-list
    // is the reference reading it was written to match
    const theirs = await psList();
    const ours = new Map((await ctx.runner.listProcesses()).map((p) => [p.pid, p]));
    const again = new Map((await psList()).map((p) => [p.pid, p]));
    // kernel workers rename themselves as they change jobs (kworker/u8:2-events_unbound ...), and a process
    // whose parent exits is handed to pid 1: only names and parents that stayed the same through both of
    // ps-list's readings can be compared with ours, taken in between
    const same = (p: { pid: number; name: string; ppid: number }) => again.get(p.pid)?.name === p.name && again.get(p.pid)?.ppid === p.ppid;
    const stable = theirs.filter((p) => same(p) && ours.has(p.pid) && p.pid !== 2 && p.ppid !== 2);
    expect(stable.length).toBeGreaterThan(5);
    expect(stable.some((p) => p.pid === process.pid)).toBe(true);
    for (const p of stable) {
      const o = ours.get(p.pid)!;
      expect(o.ppid, `ppid of ${p.pid}`).toBe(p.ppid);
      expect(o.name, `name of ${p.pid}`).toBe(p.name);
    }
  });

  it('list every listening TCP port systeminformation lists, including ours', async () => {
    const theirs = (await si.networkConnections())
      .filter((c) => c.protocol.startsWith('tcp') && c.state === 'LISTEN')
      .map((c) => Number(c.localPort));
    const ours = (await linuxSockets.collect(ctx)).sockets!.filter((s) => s.state === 'LISTEN').map((s) => s.localPort);
    expect(theirs).toContain(port);
    for (const p of theirs) expect(ours, `port ${p}`).toContain(p);
  });

  it('list the sockets ss lists, with the same owners, in the same order: sockets that live through both reads', async () => {
    const key = (x: {
      proto: string;
      localAddress: string;
      localPort: number;
      state: string;
      remoteAddress?: string;
      remotePort?: number;
    }) => `${x.proto} ${x.localAddress}:${x.localPort} ${x.remoteAddress ?? ''}:${x.remotePort ?? ''} ${x.state}`;
    const before = (await linuxSockets.collect(ctx)).sockets!;
    const ss = parseSs((await ctx.runner.exec('ss', SS_ARGS)).stdout);
    const after = new Set((await linuxSockets.collect(ctx)).sockets!.map((x) => JSON.stringify(x)));
    // a socket that changed between the reads (a connection closing, a server starting) says nothing
    const stable = before.filter((x) => after.has(JSON.stringify(x)));
    const fromSs = new Map(ss.map((x) => [key(x), x]));
    const both = stable.filter((x) => fromSs.has(key(x)));
    expect(both.some((x) => x.localPort === port && x.pid === process.pid)).toBe(true);
    expect(both).toEqual(both.map((x) => fromSs.get(key(x))));
    // and in ss's order
    const order = ss.map(key).filter((k) => both.some((x) => key(x) === k));
    expect(both.map(key)).toEqual(order);
  });
});
