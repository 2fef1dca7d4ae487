import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../agent/catalog/load.ts';
import type { Inventory, ProcessInfo, SocketInfo } from '../../../agent/model.ts';
import { collectHost } from '../../../agent/scan.ts';
import { detect } from '../../../agent/engine/detect.ts';
import { canConnect, freePort, start, waitFor, type Started } from '../../helpers/procs.ts';
import { ROOT } from '../../helpers/paths.ts';

// Real remote-access servers from Debian and npm, each bound to 127.0.0.1 on a port the kernel picked,
// and a real inventory of this machine taken by the real collectors (issue 11, classes 1 and 2): the
// interpreted ones (Xpra and websockify in Python, localtunnel in Node) must show their script, not just
// python3.x or node; the SSH servers must show their listening socket and their protocol banner.
// scripts/setup-test-host.sh installs the peers; a machine without them fails here, it does not skip.
// Set RATWATCH_SAVE_LIVE_FIXTURE=1 to rewrite test/fixtures/inventories/linux-live-servers.json.

const PEERS = ['/usr/bin/xpra', '/usr/bin/Xvfb', '/usr/bin/websockify', '/usr/sbin/dropbear', '/usr/bin/dropbearkey', '/usr/sbin/sshd', '/usr/bin/ssh-keygen'];
const LT = join(ROOT, 'node_modules/.bin/lt');

const started: Started[] = [];
const servers: (Server | HttpServer)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-live-'));
const port = { dropbear: 0, sshd: 0, websockify: 0, xpra: 0, ltApi: 0, ltRemote: 0 };
const pid = { dropbear: 0, sshd: 0, websockify: 0, xpra: 0, lt: 0 };
let inv: Inventory;

function freeDisplay(): number {
  for (let n = 300 + Math.floor(Math.random() * 400); n < 1000; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

/** A stand-in for the localtunnel service (its API: GET /?new answers where to open the tunnel), on loopback. */
async function fakeLocaltunnelService(): Promise<{ connected: () => boolean }> {
  let connections = 0;
  const remote = createServer((c) => {
    connections++;
    c.on('error', () => {});
  });
  await new Promise<void>((r) => remote.listen(0, '127.0.0.1', r));
  port.ltRemote = (remote.address() as { port: number }).port;
  const api = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: 'ratwatch-test', port: port.ltRemote, max_conn_count: 1, url: 'http://ratwatch-test.localhost' }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  port.ltApi = (api.address() as { port: number }).port;
  servers.push(remote, api);
  return { connected: () => connections > 0 };
}

beforeAll(async () => {
  const missing = PEERS.filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`${missing.join(', ')} missing: run scripts/setup-test-host.sh (apt-get install xpra xvfb websockify dropbear-bin openssh-server)`);
  if (!existsSync(LT)) throw new Error(`${LT} missing: run npm ci (localtunnel is a devDependency)`);

  for (const k of Object.keys(port) as (keyof typeof port)[]) if (k !== 'ltApi' && k !== 'ltRemote') port[k] = await freePort();

  // Dropbear with its own host key, in the foreground
  execFileSync('/usr/bin/dropbearkey', ['-t', 'ed25519', '-f', join(dir, 'dropbear_key')], { stdio: 'ignore' });
  const dropbear = start('/usr/sbin/dropbear', ['-F', '-E', '-s', '-p', `127.0.0.1:${port.dropbear}`, '-r', join(dir, 'dropbear_key'), '-P', join(dir, 'dropbear.pid')]);
  started.push(dropbear);

  // OpenSSH's sshd with no config file and a throwaway key; it insists on its privilege separation folder
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ssh_host_key')], { stdio: 'ignore' });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sshd = start('/usr/sbin/sshd', ['-D', '-e', '-f', '/dev/null', '-h', join(dir, 'ssh_host_key'), '-o', `ListenAddress=127.0.0.1:${port.sshd}`, '-o', 'PidFile=none']);
  started.push(sshd);

  // Xpra (Python) with its own Xvfb, serving on a loopback TCP port
  const display = freeDisplay();
  const xpra = start('/usr/bin/xpra', [
    'start', `:${display}`, '--daemon=no', `--bind-tcp=127.0.0.1:${port.xpra}`, '--opengl=no', '--mdns=no', '--pulseaudio=no',
    '--notifications=no', '--printing=no', '--webcam=no', '--speaker=no', '--microphone=no', '--html=off', '--systemd-run=no',
    `--socket-dirs=${dir}`, `--log-dir=${dir}`, '--start-via-proxy=no',
  ], { XPRA_NOPROMPT: '1' });
  started.push(xpra);

  // websockify (Python), as noVNC runs it, in front of Xpra's port
  const websockify = start('/usr/bin/websockify', [`127.0.0.1:${port.websockify}`, `127.0.0.1:${port.xpra}`]);
  started.push(websockify);

  // localtunnel's real client (Node) against a loopback stand-in of its service
  const lt = await fakeLocaltunnelService();
  const local = createHttpServer((_, res) => res.end('ok'));
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  servers.push(local);
  const ltProc = start(process.execPath, [LT, '--host', `http://127.0.0.1:${port.ltApi}`, '--port', String((local.address() as { port: number }).port), '--local-host', '127.0.0.1']);
  started.push(ltProc);

  for (const [name, p] of [['dropbear', port.dropbear], ['sshd', port.sshd], ['websockify', port.websockify], ['xpra', port.xpra]] as const) {
    const s = started.find((x) => x.child.spawnargs.join(' ').includes(String(p)))!;
    await waitFor(() => canConnect(p), 60_000, `${name} on 127.0.0.1:${p} (${s.output().split('\n').slice(-3).join(' | ')})`);
  }
  await waitFor(lt.connected, 20_000, `localtunnel client connecting to 127.0.0.1:${port.ltRemote} (${ltProc.output()})`);
  Object.assign(pid, { dropbear: dropbear.child.pid, sshd: sshd.child.pid, websockify: websockify.child.pid, xpra: xpra.child.pid, lt: ltProc.child.pid });

  inv = await collectHost({ catalog: loadCatalog(), allowProbes: true });
  if (process.env.RATWATCH_SAVE_LIVE_FIXTURE === '1') saveFixture(inv);
}, 180_000);

afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function proc(p: number): ProcessInfo {
  const found = inv.processes.find((x) => x.pid === p);
  if (!found) throw new Error(`pid ${p} not in the inventory`);
  return found;
}

function listener(p: number): SocketInfo {
  const s = inv.sockets.find((x) => x.localPort === p && x.state === 'LISTEN' && x.localAddress === '127.0.0.1');
  if (!s) throw new Error(`no LISTEN socket on 127.0.0.1:${p}`);
  return s;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a real inventory of this machine with remote-access servers running on loopback', () => {
  it('shows Xpra as its script /usr/bin/xpra (fingerprinted), not as python3.x, with its listening socket', () => {
    const p = proc(pid.xpra);
    expect(p.exe).toMatch(/\/python3(\.\d+)?$/);
    expect(p.script).toMatchObject({ path: '/usr/bin/xpra', name: 'xpra' });
    expect(p.script?.identity?.sha256).toBe(sha256('/usr/bin/xpra'));
    expect(listener(port.xpra).pid).toBe(pid.xpra);
  });

  it('shows websockify as its script, with its listening socket; an HTTP server says nothing first', () => {
    const p = proc(pid.websockify);
    expect(p.exe).toMatch(/\/python3(\.\d+)?$/);
    expect(p.script).toMatchObject({ path: '/usr/bin/websockify', name: 'websockify' });
    expect(p.script?.identity?.sha256).toBe(sha256('/usr/bin/websockify'));
    const s = listener(port.websockify);
    expect(s.pid).toBe(pid.websockify);
    // the banner probe only listens; websockify waits for the client's HTTP request, so it stays empty
    expect(s.banner ?? '').toBe('');
  });

  it('shows the localtunnel client as node running the localtunnel package, connected to its service', () => {
    const p = proc(pid.lt);
    expect(p.exe).toBe(realpathSync(process.execPath));
    expect(p.script?.package).toBe('localtunnel');
    expect(p.script?.path).toBe(realpathSync(join(ROOT, 'node_modules/localtunnel/bin/lt.js')));
    expect(p.script?.name).toBe('lt');
    expect(p.script?.identity?.sha256).toBe(sha256(join(ROOT, 'node_modules/localtunnel/bin/lt.js')));
    expect(inv.sockets.some((s) => s.pid === pid.lt && s.remotePort === port.ltRemote && s.state === 'ESTABLISHED')).toBe(true);
  });

  it('shows dropbear by process, listening socket and its SSH-2.0-dropbear banner', () => {
    expect(proc(pid.dropbear)).toMatchObject({ name: 'dropbear', exe: '/usr/sbin/dropbear' });
    const s = listener(port.dropbear);
    expect(s.pid).toBe(pid.dropbear);
    expect(s.banner).toMatch(/^SSH-2\.0-dropbear/);
  });

  it("shows OpenSSH's sshd by process, listening socket and its SSH-2.0-OpenSSH banner", () => {
    expect(proc(pid.sshd)).toMatchObject({ exe: '/usr/sbin/sshd' });
    const s = listener(port.sshd);
    expect(s.pid).toBe(pid.sshd);
    expect(s.banner).toMatch(/^SSH-2\.0-OpenSSH/);
  });

  it('leaves the script out for programs that are not interpreters', () => {
    expect(proc(pid.dropbear).script).toBeUndefined();
    expect(proc(pid.sshd).script).toBeUndefined();
  });
});

describe('the engine on that real inventory (issue 11, engine side)', () => {
  it('finds each server running by the process that serves it: scripts for Xpra, websockify and localtunnel, banners for sshd', () => {
    const fs = detect(inv, loadCatalog());
    const by = (id: string, p: number) => {
      const f = fs.find((x) => x.tool.id === id);
      const e = f?.evidence.find((x) => x.type === 'process' && x.pid === p);
      return [f?.state, e?.type === 'process' ? e.matchedBy : undefined];
    };
    expect(by('xpra', pid.xpra)).toEqual(['running', 'script']);
    expect(by('novnc', pid.websockify)).toEqual(['running', 'script']);
    expect(by('localtunnel', pid.lt)).toEqual(['running', 'script']);
    expect(by('dropbear', pid.dropbear)).toEqual(['running', 'name']);
    expect(by('ssh-server', pid.sshd)).toEqual(['running', 'banner']);
  });
});

/** Keeps only what the engine work needs (the servers, their sockets, their reference files), ports as captured. */
function saveFixture(full: Inventory): void {
  const pids = new Set(Object.values(pid));
  const ports = new Set(Object.values(port));
  const keep: Inventory = {
    ...full,
    host: { ...full.host, hostname: 'live-servers-test' },
    processes: full.processes.filter((p) => pids.has(p.pid)),
    sockets: full.sockets.filter((s) => (s.pid !== undefined && pids.has(s.pid)) || ports.has(s.localPort)),
    packages: full.packages.filter((p) => /^(xpra|websockify|python3-websockify|dropbear.*|openssh-server)$/.test(p.name)),
    services: full.services.filter((s) => /ssh|dropbear|xpra/i.test(s.name)),
    devices: [],
    files: full.files.filter((f) => /\/(xpra|websockify|dropbear|sshd)$/.test(f.path)),
  };
  const out = join(ROOT, 'test/fixtures/inventories/linux-live-servers.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(keep, null, 2)}\n`);
}
