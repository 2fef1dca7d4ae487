import type { SocketInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean } from '../../text.ts';
import { runListing } from '../common/exec.ts';
import { lines } from '../common/text.ts';

// TCP and UDP sockets with their owning process, read from the kernel's tables /proc/net/{udp,udp6,tcp,tcp6},
// socket inodes tied to processes through the /proc/<pid>/fd links: what ss (iproute2) does with -p, without
// starting it (a fork of the agent and a dynamically linked program's start, more CPU than the reading
// itself). ss is asked where /proc/net cannot be read. The rows come as ss lists them: UDP before TCP,
// IPv4 before IPv6, and a socket that several processes share is named after the highest pid, the owner
// ss finds last and prints first.

export const SS_ARGS = ['-H', '-t', '-u', '-a', '-n', '-p'];

// ss spells states like the kernel (ESTAB, TIME-WAIT); the inventory uses the netstat spelling on every OS
const SS_STATES: Record<string, string> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'UNCONN',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
  CLOSED: 'CLOSE',
};
// include/net/tcp_states.h
const PROC_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'SYN_RECV',
};
const MAX_SOCKETS = 50_000;
const MAX_PIDS = 8192;
// The kernel's default ceiling on a process's open files (fs.nr_open): a process cannot hide a socket
// behind more descriptors than that, as it could behind a smaller cap (ss has none)
const MAX_FDS_PER_PID = 1024 * 1024;

interface Endpoint {
  address: string;
  port?: number | undefined;
  v6: boolean;
}

/**
 * "127.0.0.1:5900", "[::1]:5900", "[fe80::1]%eth0:22", "127.0.0.53%lo:53", "*:5900" (ss prints "*"
 * for the IPv6 any address of a dual-stack socket), ":::22" (old ss, unbracketed).
 */
export function parseEndpoint(s: string): Endpoint | undefined {
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = s.slice(colon + 1);
  let host = s.slice(0, colon).replace(/%[^\]%]*$/, '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '*') host = '::';
  if (!/^[0-9A-Fa-f.:]+$/.test(host)) return undefined;
  const port = portText === '*' ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) return undefined;
  return { address: host, port, v6: host.includes(':') };
}

const NETID_RE = /^(tcp|udp|raw|u_\w+|p_\w+|nl|mptcp|sctp|tipc|vsock|xdp)\s/;

/** Rejoins a row that a process name with a newline split over several lines. */
function rows(out: string): string[] {
  const out2: string[] = [];
  for (const line of lines(out)) {
    if (!line.trim()) continue;
    if (NETID_RE.test(line) || out2.length === 0) out2.push(line);
    else out2[out2.length - 1] += '\n' + line;
  }
  return out2;
}

export function parseSs(out: string): SocketInfo[] {
  const socks: SocketInfo[] = [];
  for (const row of rows(out)) {
    const m = /^(\S+)\s+(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\S+)(?:\s+([\s\S]*))?$/.exec(row);
    if (!m) continue;
    const [, netid, rawState, local, peer, proc] = m;
    if (netid !== 'tcp' && netid !== 'udp') continue;
    const l = parseEndpoint(local);
    const r = parseEndpoint(peer);
    if (!l || l.port === undefined) continue;
    const s: SocketInfo = {
      proto: l.v6 ? (netid === 'tcp' ? 'tcp6' : 'udp6') : netid,
      localAddress: l.address,
      localPort: l.port,
      state: SS_STATES[rawState] ?? clean(rawState, 32),
    };
    if (r?.port) {
      s.remoteAddress = r.address;
      s.remotePort = r.port;
    }
    // users:(("sshd",pid=812,fd=3),("sshd",pid=1500,fd=3)): the first owner names the socket
    const u = proc && /users:\(\("([\s\S]*?)",pid=(\d+),fd=\d+\)/.exec(proc);
    if (u) {
      s.pid = Number(u[2]);
      s.process = clean(u[1], 256);
    }
    socks.push(s);
    if (socks.length >= MAX_SOCKETS) break;
  }
  return socks;
}

/** Kernel hex address: IPv4 is one host-order (little-endian) word, IPv6 four of them. */
export function decodeProcAddress(hex: string): string | undefined {
  // most sockets share a handful of addresses (0.0.0.0, 127.0.0.1, the LAN address): decode each once
  let a = decoded.get(hex);
  if (a === undefined && !decoded.has(hex)) {
    a = decodeAddress(hex);
    if (decoded.size < MAX_DECODED) decoded.set(hex, a);
  }
  return a;
}
const decoded = new Map<string, string | undefined>();
const MAX_DECODED = 4096;

function decodeAddress(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(hex.slice(w + b, w + b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  return formatIPv6(bytes);
}

function formatIPv6(bytes: number[]): string {
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // RFC 5952: the longest run (of two or more) of zero groups becomes "::"
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface ProcSocket {
  socket: SocketInfo;
  inode: number;
}

export function parseProcNet(text: string, proto: SocketInfo['proto']): ProcSocket[] {
  const out: ProcSocket[] = [];
  const udp = proto.startsWith('udp');
  for (const line of lines(text)) {
    const m =
      /^\s*\d+:\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+(\d+)/.exec(
        line,
      );
    if (!m) continue;
    const local = decodeProcAddress(m[1]);
    const remote = decodeProcAddress(m[3]);
    if (!local || !remote) continue;
    const st = m[5].toUpperCase();
    // an unconnected UDP socket sits in TCP_CLOSE; ss calls that UNCONN
    const state = udp && st === '07' ? 'UNCONN' : (PROC_STATES[st] ?? `0x${st}`);
    const socket: SocketInfo = { proto, localAddress: local, localPort: parseInt(m[2], 16), state };
    const rport = parseInt(m[4], 16);
    if (rport) {
      socket.remoteAddress = remote;
      socket.remotePort = rport;
    }
    out.push({ socket, inode: Number(m[6]) });
    if (out.length >= MAX_SOCKETS) break;
  }
  return out;
}

/**
 * inode -> pid by walking /proc/<pid>/fd from the highest pid down, so that a shared socket goes to the
 * owner ss would name (see above); stops early once every wanted inode is found.
 */
async function ownersOf(runner: Runner, inodes: Set<number>): Promise<Map<number, number>> {
  const owners = new Map<number, number>();
  if (inodes.size === 0) return owners;
  let pids: number[];
  try {
    pids = (await runner.readDir('/proc'))
      .filter((e) => /^\d+$/.test(e.name))
      .map((e) => Number(e.name))
      .slice(0, MAX_PIDS);
  } catch {
    return owners;
  }
  pids.sort((a, b) => b - a);
  for (const pid of pids) {
    if (owners.size >= inodes.size) break;
    const links = await runner.readLinks(`/proc/${pid}/fd`, MAX_FDS_PER_PID, 'socket:[').catch(() => undefined);
    for (const t of links?.values() ?? []) {
      const m = /^socket:\[(\d+)\]$/.exec(t);
      const inode = m ? Number(m[1]) : 0;
      if (inodes.has(inode) && !owners.has(inode)) owners.set(inode, pid);
    }
  }
  return owners;
}

// ss's order: UDP, then TCP; each IPv4, then IPv6
const TABLES = ['udp', 'udp6', 'tcp', 'tcp6'] as const;

/** The sockets from /proc/net, or undefined when none of its tables can be read. */
async function fromProcNet(runner: Runner): Promise<SocketInfo[] | undefined> {
  const texts = await Promise.all(
    TABLES.map((t) =>
      runner.readFile(`/proc/net/${t}`, 32 * 1024 * 1024).then(
        (b) => b.toString('latin1'),
        () => undefined,
      ),
    ),
  );
  if (texts.every((t) => t === undefined)) return undefined;
  const found = TABLES.flatMap((t, i) => (texts[i] === undefined ? [] : parseProcNet(texts[i]!, t)));
  const owners = await ownersOf(runner, new Set(found.filter((f) => f.inode > 0).map((f) => f.inode)));
  const names = new Map<number, string>();
  for (const pid of new Set(owners.values())) {
    const comm = await runner.readFile(`/proc/${pid}/comm`, 256).then(
      (b) => b.toString('utf8').replace(/\n$/, ''),
      () => undefined,
    );
    if (comm !== undefined) names.set(pid, clean(comm, 256));
  }
  return found.map(({ socket, inode }) => {
    const pid = owners.get(inode);
    if (pid !== undefined) {
      socket.pid = pid;
      const n = names.get(pid);
      if (n !== undefined) socket.process = n;
    }
    return socket;
  });
}

export const linuxSockets: Collector = {
  name: 'linux.sockets',
  async collect(ctx) {
    const fromProc = await fromProcNet(ctx.runner);
    if (fromProc) return { sockets: fromProc };
    let out: string;
    try {
      out = await runListing(ctx.runner, 'ss', SS_ARGS);
    } catch (e) {
      throw new Error(`cannot list sockets: ${e instanceof Error ? e.message : String(e)}; /proc/net unreadable`);
    }
    return { sockets: parseSs(out) };
  },
};
