import type { SocketInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean } from '../../text.ts';
import { lines } from '../common/text.ts';

// Sockets with their owning process, from lsof (netstat on macOS has no pids without -v, and its
// layout changes between releases). `+c 0` asks for the whole command name instead of 9 characters;
// lsof escapes spaces and non-printables in it as \xNN, which is undone here.
//
// Column layout (lsof(8), "OUTPUT"): COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME, e.g.
//   AnyDesk  1284 root 23u IPv4 0x5cee55fd054bd73 0t0 TCP *:7070 (LISTEN)
// SIZE/OFF can be blank, so the NODE column (TCP/UDP) anchors the parse instead of a fixed index.

export const LSOF = '/usr/sbin/lsof';
export const LSOF_ARGS = ['+c', '0', '-nP', '-iTCP', '-iUDP'];
const MAX_SOCKETS = 20_000;

export function unescapeLsof(s: string): string {
  // Each \xNN is one byte (the runner sets LC_ALL=C, so lsof escapes every byte above 0x7e): a run of
  // them is decoded together, so a UTF-8 name ("카카오톡") comes back whole instead of as Latin-1 debris
  return s.replace(/(?:\\x[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/\\x/g, ''), 'hex').toString('utf8'));
}

/** "10.0.0.5:50544", "[::1]:5900", "*:7070" -> address and port; undefined when unparsable. */
export function splitEndpoint(ep: string, v6: boolean): { address: string; port: number } | undefined {
  const m = /^(\[([^\]]*)\]|([^\s:]*|\*)):(\d+|\*)$/.exec(ep);
  if (!m) return undefined;
  let address = m[2] ?? m[3] ?? '';
  if (address === '*') address = v6 ? '::' : '0.0.0.0';
  const port = m[4] === '*' ? 0 : Number(m[4]);
  if (port > 65535) return undefined;
  return { address, port };
}

export function parseLsof(out: string): SocketInfo[] {
  const sockets: SocketInfo[] = [];
  const seen = new Set<string>();
  for (const line of lines(out)) {
    if (sockets.length >= MAX_SOCKETS) break;
    const f = line.trim().split(/\s+/);
    if (f.length < 7 || f[0] === 'COMMAND' || !/^\d+$/.test(f[1])) continue;
    const nodeAt = f.findIndex((x, i) => i >= 5 && (x === 'TCP' || x === 'UDP'));
    if (nodeAt < 0 || nodeAt + 1 >= f.length) continue;
    const type = f[4];
    const v6 = type === 'IPv6';
    if (type !== 'IPv4' && !v6) continue;
    const name = f.slice(nodeAt + 1).join(' ');
    const m = /^(\S+?)(?:->(\S+))?(?:\s+\(([A-Z_0-9]+)\))?$/.exec(name);
    if (!m) continue;
    const local = splitEndpoint(m[1], v6);
    if (!local) continue;
    const remote = m[2] ? splitEndpoint(m[2], v6) : undefined;
    const tcp = f[nodeAt] === 'TCP';
    const proto = ((tcp ? 'tcp' : 'udp') + (v6 ? '6' : '')) as SocketInfo['proto'];
    // UDP has no state; named like ss(8) so all OSes read alike
    const state = tcp ? (m[3] ?? 'UNKNOWN') : remote ? 'ESTABLISHED' : 'UNCONN';
    const s: SocketInfo = {
      proto,
      localAddress: local.address,
      localPort: local.port,
      state,
      pid: Number(f[1]),
      process: clean(unescapeLsof(f[0]), 256),
    };
    if (remote) {
      s.remoteAddress = remote.address;
      s.remotePort = remote.port;
    }
    // one line per file descriptor: a socket shared by several fds of a process is one socket
    const key = `${s.pid}|${proto}|${s.localAddress}|${s.localPort}|${s.remoteAddress ?? ''}|${s.remotePort ?? ''}|${state}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sockets.push(s);
  }
  return sockets;
}

export const socketsCollector: Collector = {
  name: 'darwin.sockets',
  async collect(ctx) {
    const res = await ctx.runner.exec(LSOF, LSOF_ARGS, { timeoutMs: 30_000 }).catch((e: Error) => {
      throw new Error(e.message.split('\n')[0]);
    });
    // lsof exits 1 when nothing matched; that is an empty table, not a failure
    if (res.code !== 0 && res.stdout.trim()) return { sockets: parseLsof(res.stdout) };
    if (res.code !== 0 && res.stderr.trim()) throw new Error(`lsof failed: ${res.stderr.trim().split('\n')[0].slice(0, 200)}`);
    return { sockets: parseLsof(res.stdout) };
  },
};
