import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../../../agent/model.ts';
import { RealRunner, RunnerError, type PsEntry } from '../../../../../agent/runner.ts';
import { collectInventory } from '../../../../../agent/collect.ts';
import type { Collector } from '../../../../../agent/collectors/types.ts';
import { linuxPlatform } from '../../../../../agent/collectors/linux/index.ts';
import { linuxProcesses } from '../../../../../agent/collectors/linux/processes.ts';
import { linuxSockets } from '../../../../../agent/collectors/linux/sockets.ts';
import { linuxDpkg } from '../../../../../agent/collectors/linux/packages-dpkg.ts';
import { linuxRpm } from '../../../../../agent/collectors/linux/packages-rpm.ts';
import { linuxSnap } from '../../../../../agent/collectors/linux/packages-snap.ts';
import { linuxFlatpak } from '../../../../../agent/collectors/linux/packages-flatpak.ts';
import { linuxDesktopEntries } from '../../../../../agent/collectors/linux/desktop-entries.ts';
import { linuxSystemd } from '../../../../../agent/collectors/linux/services-systemd.ts';
import { linuxUsb } from '../../../../../agent/collectors/linux/usb.ts';

// The Linux collectors against this very machine (the CI runs on Linux), with things the test itself
// starts: a loopback TCP server in this process and a child that gives itself a hostile name.

const runner = new RealRunner();
const ctx = { runner, hints: { executableNames: ['node'] }, allowProbes: false };
const HOSTILE_TITLE = 'ev\nil\x1b[31mZ';
const onPath = (cmd: string) => (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => existsSync(`${d}/${cmd}`));

let server: Server;
let port = 0;
let child: ChildProcess;

beforeAll(async () => {
  server = createServer((c) => c.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  child = spawn(
    process.execPath,
    ['-e', `process.title = ${JSON.stringify(HOSTILE_TITLE)}; console.log('ready'); setTimeout(() => {}, 60000);`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('child did not start within 10 s')), 10_000);
    child.stdout!.once('data', () => {
      clearTimeout(t);
      resolve();
    });
  });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** This machine's answer for a collector whose tool may be absent: either it works, or it says the tool is missing. */
async function collectOrMissing(c: Collector, cmd: string) {
  if (onPath(cmd)) return c.collect(ctx);
  await expect(c.collect(ctx)).rejects.toThrow(new RegExp(`^${cmd} not found$`));
  return undefined;
}

describe('Linux collectors on this machine', () => {
  it('processes: this test runs under node, as its user, and the hostile child is escaped', async () => {
    const { processes = [] } = await linuxProcesses.collect(ctx);
    const me = processes.find((p) => p.pid === process.pid);
    expect(me?.exe?.endsWith('/node')).toBe(true);
    expect(me?.ppid).toBe(process.ppid);
    expect(me?.user).toBe(execFileSync('id', ['-un'], { encoding: 'utf8' }).trim());
    const kid = processes.find((p) => p.pid === child.pid);
    expect(kid).toMatchObject({ name: 'node', exe: process.execPath, cmdline: 'ev\\nil\\x1b[31mZ' });
  });

  it('processes: without ps, /proc alone gives the same process with its (escaped) kernel name', async () => {
    class NoPs extends RealRunner {
      override async listProcesses(): Promise<PsEntry[]> {
        throw new RunnerError('ps not found', 'ENOENT');
      }
    }
    const { processes = [] } = await linuxProcesses.collect({ ...ctx, runner: new NoPs() });
    expect(processes.find((p) => p.pid === process.pid)?.exe).toBe(process.execPath);
    expect(processes.find((p) => p.pid === child.pid)).toMatchObject({ name: 'ev\\nil\\x1b[31mZ', exe: process.execPath });
  });

  it('sockets: the server this test opened, with this process as owner', async () => {
    const { sockets = [] } = await linuxSockets.collect(ctx);
    expect(sockets).toContainEqual({
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: port,
      state: 'LISTEN',
      pid: process.pid,
      process: 'node',
    });
  });

  it('dpkg: the packages dpkg itself knows, e.g. dpkg', async () => {
    const part = await collectOrMissing(linuxDpkg, 'dpkg-query');
    if (!part) return;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
    const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'dpkg'], { encoding: 'utf8' });
    expect(part.packages).toContainEqual({ name: 'dpkg', version, source: 'dpkg' });
  });

  it('rpm, snap, flatpak: listed where installed, a one-line "not found" otherwise', async () => {
    for (const [c, cmd] of [
      [linuxRpm, 'rpm'],
      [linuxSnap, 'snap'],
      [linuxFlatpak, 'flatpak'],
    ] as const) {
      const part = await collectOrMissing(c, cmd).catch((e: Error) => e);
      // snapd or the rpm database may be unusable even where the command exists; the error is then one line
      if (part instanceof Error) expect(part.message).not.toContain('\n');
      else if (part) expect(Array.isArray(part.packages)).toBe(true);
    }
  });

  it('desktop: one entry per .desktop file in /usr/share/applications', async () => {
    const { packages = [] } = await linuxDesktopEntries.collect(ctx);
    const dir = '/usr/share/applications';
    const files = existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => n.endsWith('.desktop'))
          .map((n) => `${dir}/${n}`)
          .sort()
      : [];
    expect(
      packages
        .filter((p) => p.path?.startsWith(`${dir}/`) && p.path.split('/').length === 5)
        .map((p) => p.path)
        .sort(),
    ).toEqual(files);
  });

  it('systemd: unit files with their states, and ExecStart paths that exist', async () => {
    const part = await collectOrMissing(linuxSystemd, 'systemctl');
    if (!part) return;
    const services = part.services ?? [];
    expect(services.length).toBeGreaterThan(0);
    expect(services.every((s) => s.source === 'systemd' && s.startType)).toBe(true);
    const withPath = services.filter((s) => s.path?.startsWith('/'));
    expect(withPath.length).toBeGreaterThan(0);
    expect(withPath.some((s) => existsSync(s.path!) && existsSync(s.file!))).toBe(true);
  });

  it('usb: one device per sysfs device entry, none where there is no USB bus', async () => {
    const { devices = [] } = await linuxUsb.collect(ctx);
    const root = '/sys/bus/usb/devices';
    const entries = existsSync(root) ? readdirSync(root).filter((n) => !n.includes(':') && existsSync(`${root}/${n}/idVendor`)) : [];
    expect(devices.map((d) => d.path).sort()).toEqual(entries.map((n) => `${root}/${n}`).sort());
  });

  it('identity: the node binary running this test, fingerprinted and found as a reference file', async () => {
    const inv: Inventory = await collectInventory(linuxPlatform, ctx);
    expect(inv.sources.find((s) => s.name === 'linux.identity')?.ok).toBe(true);
    const me = inv.processes.find((p) => p.pid === process.pid)!;
    const sha = createHash('sha256').update(readFileSync(process.execPath)).digest('hex');
    expect(me.identity).toMatchObject({ sha256: sha, size: statSync(process.execPath).size });
    expect(inv.files.some((f) => f.identity.sha256 === sha && f.path.endsWith('/node'))).toBe(true);
  });
});
