import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bannerProbe, escapeBanner, probeHost, type BannerLimits } from '../../../../../agent/collectors/common/banner-probe.ts';
import type { CollectorContext, InventoryPart } from '../../../../../agent/collectors/types.ts';
import type { SocketInfo } from '../../../../../agent/model.ts';
import { ReplayRunner } from '../../../../helpers/replay-runner.ts';
import { RealRunner, type Runner } from '../../../../../agent/runner.ts';

// Real TCP servers on 127.0.0.1, started and stopped by each test.

interface TestServer {
  port: number;
  connections: number;
  received: number; // bytes the probe sent us: must stay 0
  server: Server;
  sockets: Set<Socket>;
}

const started: TestServer[] = [];

async function serve(greeting?: Buffer | string): Promise<TestServer> {
  const t: TestServer = { port: 0, connections: 0, received: 0, server: createServer(), sockets: new Set() };
  t.server.on('connection', (s) => {
    t.connections++;
    t.sockets.add(s);
    s.on('data', (d) => (t.received += d.length));
    s.on('error', () => {});
    s.on('close', () => t.sockets.delete(s));
    if (greeting !== undefined) s.write(greeting);
  });
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  t.port = (t.server.address() as { port: number }).port;
  started.push(t);
  return t;
}

afterEach(async () => {
  for (const t of started.splice(0)) {
    for (const s of t.sockets) s.destroy();
    await new Promise<void>((resolve) => t.server.close(() => resolve()));
  }
});

function ctx(runner: Runner, allowProbes = true): CollectorContext {
  return { runner, hints: { executableNames: [] }, allowProbes };
}

function parts(sockets: SocketInfo[]): Required<InventoryPart> {
  return { processes: [], packages: [], services: [], sockets, devices: [], settings: [], files: [], context: {} };
}

const listen = (port: number, localAddress = '0.0.0.0', proto: SocketInfo['proto'] = 'tcp', state = 'LISTEN'): SocketInfo => ({
  proto,
  localAddress,
  localPort: port,
  state,
});

// A port that was just free: nothing listens there once the server is closed
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('banner probe on real loopback servers', () => {
  it('reads the RFB greeting of a VNC server on an arbitrary port and sends nothing', async () => {
    const vnc = await serve('RFB 003.008\n');
    const inv = parts([listen(vnc.port), listen(vnc.port, '::', 'tcp6')]);
    await bannerProbe('linux').enrich(ctx(new RealRunner()), inv);
    expect(inv.sockets[0].banner).toBe('RFB 003.008\\n');
    expect(vnc.connections).toBe(1);
    expect(vnc.received).toBe(0);
  });

  it('gives a silent server no banner after one listen and two questions, within the read and reply timeouts', async () => {
    const quiet = await serve();
    const inv = parts([listen(quiet.port, '127.0.0.1')]);
    const t0 = Date.now();
    await bannerProbe('windows').enrich(ctx(new RealRunner()), inv);
    const took = Date.now() - t0;
    expect(inv.sockets[0].banner).toBeUndefined();
    expect(inv.sockets[0].reply).toBeUndefined();
    expect(quiet.connections).toBe(3);
    // the RDP negotiation request (19 bytes) and the HTTP GET, nothing else
    expect(quiet.received).toBe(19 + 72);
    // 500 ms listening, then both questions together for 1.5 s
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(4_500);
  });

  it('survives a port that closed since the listing', async () => {
    const port = await closedPort();
    const inv = parts([listen(port)]);
    await bannerProbe('darwin').enrich(ctx(new RealRunner()), inv);
    expect(inv.sockets[0].banner).toBeUndefined();
  });

  it('keeps at most maxBytes and escapes what is not printable', async () => {
    const noisy = await serve(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n\x1b[2J\\'), Buffer.alloc(100, 0x41)]));
    const inv = parts([listen(noisy.port)]);
    await bannerProbe('linux').enrich(ctx(new RealRunner()), inv);
    expect(inv.sockets[0].banner).toBe('SSH-2.0-OpenSSH_9.6\\r\\n\\x1b[2J\\\\' + 'A'.repeat(64 - 26));
  });

  it('does nothing when probes are disabled', async () => {
    const vnc = await serve('RFB 003.008\n');
    const inv = parts([listen(vnc.port)]);
    await bannerProbe('linux').enrich(ctx(new RealRunner(), false), inv);
    expect(inv.sockets[0].banner).toBeUndefined();
    expect(vnc.connections).toBe(0);
  });

  it('stops starting probes when the time budget is spent', async () => {
    const quiet = await Promise.all([0, 1, 2, 3, 4].map(() => serve()));
    const limits: BannerLimits = {
      maxPorts: 64,
      connectTimeoutMs: 300,
      readTimeoutMs: 200,
      maxBytes: 64,
      maxReplyBytes: 1024,
      replyTimeoutMs: 200,
      budgetMs: 300,
      parallel: 1,
    };
    const t0 = Date.now();
    await bannerProbe('linux', limits).enrich(ctx(new RealRunner()), parts(quiet.map((q) => listen(q.port))));
    // the first port only: one listen and its two questions; the budget is spent before a second port starts
    expect(quiet.reduce((n, q) => n + q.connections, 0)).toBeLessThanOrEqual(3);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });
});

describe('banner probe selection', () => {
  it('probes only TCP listeners on loopback or wildcard addresses, from loopback, at most maxPorts', async () => {
    const sockets: SocketInfo[] = [
      listen(5900, '0.0.0.0'),
      listen(5901, '[::]', 'tcp6', 'LISTENING'),
      listen(5902, '127.0.0.53'),
      listen(5903, '192.168.1.20'),
      listen(5904, 'fe80::1%en0', 'tcp6'),
      { proto: 'udp', localAddress: '0.0.0.0', localPort: 5353, state: 'UNCONN' },
      { proto: 'tcp', localAddress: '0.0.0.0', localPort: 5905, state: 'ESTABLISHED', remoteAddress: '10.0.0.9', remotePort: 51000 },
      ...Array.from({ length: 100 }, (_, i) => listen(20000 + i, '*')),
    ];
    const runner = new ReplayRunner({ banners: { '5900': 'RFB 003.008\n', '5901': 'RFB 003.889\n', '5902': '' } });
    const inv = parts(sockets);
    await bannerProbe('linux').enrich(ctx(runner), inv);
    expect(runner.calls.slice(0, 3).sort()).toEqual(['connect 127.0.0.1 5900', 'connect 127.0.0.1 5902', 'connect ::1 5901']);
    // 64 ports; the one that accepts and stays silent (5902) is asked the RDP and the HTTP question too
    expect(runner.calls).toHaveLength(66);
    expect(runner.calls.filter((c) => / 5902/.test(c)).sort()).toEqual([
      'connect 127.0.0.1 5902',
      'connect 127.0.0.1 5902 http',
      'connect 127.0.0.1 5902 rdp',
    ]);
    expect(runner.calls.every((c) => /^connect (127\.0\.0\.1|::1) \d+( rdp| http)?$/.test(c))).toBe(true);
    expect(runner.calls.some((c) => / (5903|5904|5353|5905)$/.test(c))).toBe(false);
    expect(inv.sockets.slice(0, 3).map((s) => s.banner)).toEqual(['RFB 003.008\\n', 'RFB 003.889\\n', undefined]);
  });

  it('maps listening addresses to the loopback address to dial', () => {
    const s = (localAddress: string, proto: SocketInfo['proto'] = 'tcp') =>
      probeHost({ proto, localAddress, localPort: 1, state: 'LISTEN' });
    expect(s('0.0.0.0')).toBe('127.0.0.1');
    expect(s('*')).toBe('127.0.0.1');
    expect(s('::', 'tcp6')).toBe('::1');
    expect(s('::ffff:127.0.0.1', 'tcp6')).toBe('127.0.0.1');
    expect(s('127.1.2.3')).toBe('127.0.0.1');
    expect(s('10.0.0.5')).toBeUndefined();
    expect(s('203.0.113.7', 'tcp6')).toBeUndefined();
  });

  it('escapes banners byte by byte', () => {
    expect(escapeBanner(Buffer.from('RFB 003.008\n'))).toBe('RFB 003.008\\n');
    expect(escapeBanner(Buffer.from([0x00, 0x7f, 0xff, 0x5c, 0x09]))).toBe('\\x00\\x7f\\xff\\\\\\t');
  });
});

describe('Runner.connectProbe', () => {
  it('refuses anything but 127.0.0.1 and ::1, in the real and the replay runner', async () => {
    for (const r of [new RealRunner(), new ReplayRunner({ banners: { '80': 'x' } })]) {
      for (const host of ['10.0.0.1', 'localhost', 'example.com', '0.0.0.0', '::']) {
        await expect(r.connectProbe(host, 80)).rejects.toMatchObject({ code: 'EPERM' });
      }
    }
  });

  it('reports a refused connection as a RunnerError', async () => {
    await expect(new RealRunner().connectProbe('127.0.0.1', await closedPort())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(new ReplayRunner({}).connectProbe('127.0.0.1', 5900)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
