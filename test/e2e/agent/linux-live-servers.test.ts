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
// interpreted ones (Xpra and websockify in Python, localtunnel and the npm websockify in Node) must show their
// script, not just python3.x or node; the SSH servers must show their listening socket and their protocol
// banner; the silent ones (xrdp, websockify) their answer to the probe's RDP or HTTP question.
// scripts/setup-test-host.sh installs the peers; a machine without them fails here, it does not skip.
// Set RATWATCH_SAVE_LIVE_FIXTURE=1 to rewrite test/fixtures/inventories/linux-live-servers.json.

const PEERS = [
  '/usr/bin/xpra',
  '/usr/bin/Xvfb',
  '/usr/bin/websockify',
  '/usr/sbin/dropbear',
  '/usr/bin/dropbearkey',
  '/usr/sbin/sshd',
  '/usr/bin/ssh-keygen',
  '/usr/sbin/xrdp',
  '/etc/xrdp/xrdp.ini',
];
const LT = join(ROOT, 'node_modules/.bin/lt');
const NODE_WEBSOCKIFY = join(ROOT, 'node_modules/websockify/websockify.js');
const LOOPBACK_PRELOAD = join(ROOT, 'test/helpers/listen-loopback.cjs');

const started: Started[] = [];
const servers: (Server | HttpServer)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ratwatch-live-'));
const port = { dropbear: 0, sshd: 0, websockify: 0, xpra: 0, xrdp: 0, nodeWebsockify: 0, ltApi: 0, ltRemote: 0 };
const pid = { dropbear: 0, sshd: 0, websockify: 0, xpra: 0, xrdp: 0, nodeWebsockify: 0, lt: 0 };
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
  if (missing.length)
    throw new Error(
      `${missing.join(', ')} missing: run scripts/setup-test-host.sh (apt-get install xpra xvfb websockify dropbear-bin openssh-server)`,
    );
  if (!existsSync(LT)) throw new Error(`${LT} missing: run npm ci (localtunnel is a devDependency)`);
  if (!existsSync(NODE_WEBSOCKIFY)) throw new Error(`${NODE_WEBSOCKIFY} missing: run npm ci (websockify is a devDependency)`);

  for (const k of Object.keys(port) as (keyof typeof port)[]) if (k !== 'ltApi' && k !== 'ltRemote') port[k] = await freePort();

  // Dropbear with its own host key, in the foreground
  execFileSync('/usr/bin/dropbearkey', ['-t', 'ed25519', '-f', join(dir, 'dropbear_key')], { stdio: 'ignore' });
  const dropbear = start('/usr/sbin/dropbear', [
    '-F',
    '-E',
    '-s',
    '-p',
    `127.0.0.1:${port.dropbear}`,
    '-r',
    join(dir, 'dropbear_key'),
    '-P',
    join(dir, 'dropbear.pid'),
  ]);
  started.push(dropbear);

  // OpenSSH's sshd with no config file and a throwaway key; it insists on its privilege separation folder
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ssh_host_key')], { stdio: 'ignore' });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sshd = start('/usr/sbin/sshd', [
    '-D',
    '-e',
    '-f',
    '/dev/null',
    '-h',
    join(dir, 'ssh_host_key'),
    '-o',
    `ListenAddress=127.0.0.1:${port.sshd}`,
    '-o',
    'PidFile=none',
  ]);
  started.push(sshd);

  // Xpra (Python) with its own Xvfb, serving on a loopback TCP port
  const display = freeDisplay();
  const xpra = start(
    '/usr/bin/xpra',
    [
      'start',
      `:${display}`,
      '--daemon=no',
      `--bind-tcp=127.0.0.1:${port.xpra}`,
      '--opengl=no',
      '--mdns=no',
      '--pulseaudio=no',
      '--notifications=no',
      '--printing=no',
      '--webcam=no',
      '--speaker=no',
      '--microphone=no',
      '--html=off',
      '--systemd-run=no',
      `--socket-dirs=${dir}`,
      `--log-dir=${dir}`,
      '--start-via-proxy=no',
    ],
    { XPRA_NOPROMPT: '1' },
  );
  started.push(xpra);

  // websockify (Python), as noVNC runs it, in front of Xpra's port
  const websockify = start('/usr/bin/websockify', [`127.0.0.1:${port.websockify}`, `127.0.0.1:${port.xpra}`]);
  started.push(websockify);

  // xrdp (Debian) in the foreground with a copy of its config listening on 127.0.0.1 only ("tcp://." is loopback)
  const ini = readFileSync('/etc/xrdp/xrdp.ini', 'utf8').replace(/^port=3389$/m, `port=tcp://.:${port.xrdp}`);
  if (!ini.includes(`tcp://.:${port.xrdp}`)) throw new Error('/etc/xrdp/xrdp.ini has no "port=3389" line to move');
  writeFileSync(join(dir, 'xrdp.ini'), ini);
  const xrdp = start('/usr/sbin/xrdp', ['--nodaemon', '--config', join(dir, 'xrdp.ini')]);
  started.push(xrdp);

  // The npm websockify (kanaka's Node port) as a Node remote-access server; it listens on every interface
  // when given a port, so a preload (by environment, not argv) keeps it on 127.0.0.1
  const nodeWs = start(process.execPath, [NODE_WEBSOCKIFY, String(port.nodeWebsockify), `127.0.0.1:${port.xpra}`], {
    NODE_OPTIONS: `--require=${LOOPBACK_PRELOAD}`,
  });
  started.push(nodeWs);

  // localtunnel's real client (Node) against a loopback stand-in of its service
  const lt = await fakeLocaltunnelService();
  const local = createHttpServer((_, res) => res.end('ok'));
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  servers.push(local);
  const ltProc = start(process.execPath, [
    LT,
    '--host',
    `http://127.0.0.1:${port.ltApi}`,
    '--port',
    String((local.address() as { port: number }).port),
    '--local-host',
    '127.0.0.1',
  ]);
  started.push(ltProc);

  const waits = [
    ['dropbear', port.dropbear, dropbear],
    ['sshd', port.sshd, sshd],
    ['websockify', port.websockify, websockify],
    ['xpra', port.xpra, xpra],
    ['xrdp', port.xrdp, xrdp],
    ['node websockify', port.nodeWebsockify, nodeWs],
  ] as const;
  for (const [name, p, s] of waits) {
    await waitFor(() => canConnect(p), 60_000, `${name} on 127.0.0.1:${p} (${s.output().split('\n').slice(-3).join(' | ')})`);
  }
  await waitFor(lt.connected, 20_000, `localtunnel client connecting to 127.0.0.1:${port.ltRemote} (${ltProc.output()})`);
  Object.assign(pid, {
    dropbear: dropbear.child.pid,
    sshd: sshd.child.pid,
    websockify: websockify.child.pid,
    xpra: xpra.child.pid,
    xrdp: xrdp.child.pid,
    nodeWebsockify: nodeWs.child.pid,
    lt: ltProc.child.pid,
  });

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

  it('shows websockify as its script, with its listening socket and its Server header in answer to a GET', () => {
    const p = proc(pid.websockify);
    expect(p.exe).toMatch(/\/python3(\.\d+)?$/);
    expect(p.script).toMatchObject({ path: '/usr/bin/websockify', name: 'websockify' });
    expect(p.script?.identity?.sha256).toBe(sha256('/usr/bin/websockify'));
    const s = listener(port.websockify);
    expect(s.pid).toBe(pid.websockify);
    // silent on connect, so the probe asked: the RDP bytes got no answer in time, the GET a 405 naming it
    expect(s.reply).toMatch(/^http: server=WebSockify Python\/3\.\d+/);
    expect(s.banner).toMatch(/^HTTP\/1\.[01] 405 /);
  });

  it('shows xrdp by process, listening socket and its RDP negotiation response', () => {
    expect(proc(pid.xrdp)).toMatchObject({ name: 'xrdp', exe: '/usr/sbin/xrdp' });
    const s = listener(port.xrdp);
    expect(s.pid).toBe(pid.xrdp);
    // Debian's xrdp.ini says security_layer=negotiate: it picks TLS of the TLS and CredSSP the probe offers
    expect(s.reply).toBe('rdp: negotiation response, PROTOCOL_SSL');
    expect(s.banner).toMatch(/^\\x03\\x00\\x00\\x13\\x0e\\xd0/);
  });

  it('shows the npm websockify as node running the websockify package, answering HTTP', () => {
    const p = proc(pid.nodeWebsockify);
    expect(p.exe).toBe(realpathSync(process.execPath));
    expect(p.script).toMatchObject({ path: realpathSync(NODE_WEBSOCKIFY), package: 'websockify' });
    expect(p.script?.identity?.sha256).toBe(sha256(NODE_WEBSOCKIFY));
    const s = listener(port.nodeWebsockify);
    expect(s.pid).toBe(pid.nodeWebsockify);
    // Node's HTTP server answers the RDP bytes with a 400 already: no GET needed; it sends no Server header
    expect(s.reply).toBe('http: status 400');
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
    expect(by('novnc', pid.nodeWebsockify)).toEqual(['running', 'script']);
    expect(by('xrdp', pid.xrdp)).toEqual(['running', 'name']);
    expect(by('localtunnel', pid.lt)).toEqual(['running', 'script']);
    expect(by('dropbear', pid.dropbear)).toEqual(['running', 'name']);
    expect(by('ssh-server', pid.sshd)).toEqual(['running', 'banner']);
    // the answers the probe asked for: corroboration on the tools whose processes own the sockets
    const banner = (id: string, p: number) => fs.find((x) => x.tool.id === id)?.evidence.find((e) => e.type === 'banner' && e.port === p);
    expect(banner('xrdp', port.xrdp)).toMatchObject({ strength: 'corroborating', text: 'rdp: negotiation response, PROTOCOL_SSL' });
    expect(banner('novnc', port.websockify)).toMatchObject({
      strength: 'corroborating',
      text: expect.stringMatching(/^http: server=WebSockify/),
    });
    // xrdp is xrdp: the generic RDP server is named only for an answer nobody owns
    expect(fs.find((x) => x.tool.id === 'rdp-server')).toBeUndefined();
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
    packages: full.packages.filter((p) => /^(xpra|xrdp|websockify|python3-websockify|dropbear.*|openssh-server)$/.test(p.name)),
    services: full.services.filter((s) => /ssh|dropbear|xpra|xrdp/i.test(s.name)),
    devices: [],
    files: full.files.filter((f) => /\/(xpra|xrdp|websockify|websockify\.js|dropbear|sshd)$/.test(f.path)),
  };
  const out = join(ROOT, 'test/fixtures/inventories/linux-live-servers.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(keep, null, 2)}\n`);
}
