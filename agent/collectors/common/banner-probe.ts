import type { OsName, SocketInfo } from '../../model.ts';
import { PROBE_HOSTS } from '../../runner.ts';
import type { Enricher } from '../types.ts';

// A VNC server (x11vnc, TightVNC, macOS Screen Sharing, a RAT's bundled server) can listen on any port
// under any process name, but it always speaks first: "RFB 003.008\n". So every TCP socket listening on
// loopback or on all addresses is asked, from loopback only, what it says when a client connects. Nothing
// is ever sent, and the number of ports, the time per port and the total time are all capped.

export interface BannerLimits {
  maxPorts: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxBytes: number;
  /** No new probe starts after this many ms. */
  budgetMs: number;
  parallel: number;
}

export const DEFAULT_BANNER_LIMITS: BannerLimits = {
  maxPorts: 64,
  connectTimeoutMs: 300,
  readTimeoutMs: 500,
  maxBytes: 64,
  budgetMs: 8_000,
  parallel: 8,
};

const WILDCARD = new Set(['0.0.0.0', '::', '*', '', '[::]', '::0', '0:0:0:0:0:0:0:0']);

function stripAddr(a: string): string {
  return a.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '').toLowerCase();
}

/** The loopback address to reach a listener on, or undefined when it listens only on another interface. */
export function probeHost(s: SocketInfo): string | undefined {
  const a = stripAddr(s.localAddress);
  const v6 = s.proto === 'tcp6';
  if (WILDCARD.has(a)) return v6 ? '::1' : '127.0.0.1';
  if (a === '::1' || a === 'localhost') return v6 ? '::1' : '127.0.0.1';
  if (/^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)) return '127.0.0.1';
  return undefined;
}

function isTcpListen(s: SocketInfo): boolean {
  // Linux and macOS say LISTEN, Windows netstat LISTENING, lsof "(LISTEN)"
  return (s.proto === 'tcp' || s.proto === 'tcp6') && /^\(?listen(ing)?\)?$/i.test(s.state.trim());
}

/** Printable form of what a server sent: "RFB 003.008\n" becomes "RFB 003.008\\n", other bytes \xNN. */
export function escapeBanner(b: Buffer): string {
  let out = '';
  for (const c of b) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function assertLoopback(host: string): void {
  // The one invariant this file exists to keep: a banner check never leaves the machine
  if (!PROBE_HOSTS.includes(host)) throw new Error(`banner probe refused non-loopback host ${host}`);
}

export function bannerProbe(os: OsName, limits: BannerLimits = DEFAULT_BANNER_LIMITS): Enricher {
  return {
    name: `${os}.banners`,
    async enrich(ctx, inv) {
      if (!ctx.allowProbes) return;
      const targets = new Map<string, { host: string; port: number; sockets: SocketInfo[] }>();
      for (const s of inv.sockets) {
        if (s.banner !== undefined || !isTcpListen(s)) continue;
        if (!Number.isInteger(s.localPort) || s.localPort < 1 || s.localPort > 65535) continue;
        const host = probeHost(s);
        if (!host) continue;
        const key = `${host} ${s.localPort}`;
        const t = targets.get(key);
        if (t) t.sockets.push(s);
        else if (targets.size < limits.maxPorts) targets.set(key, { host, port: s.localPort, sockets: [s] });
      }
      const queue = [...targets.values()];
      const deadline = Date.now() + limits.budgetMs;
      const worker = async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          if (Date.now() >= deadline) return;
          assertLoopback(t.host);
          let got: Buffer;
          try {
            got = await ctx.runner.connectProbe(t.host, t.port, {
              connectTimeoutMs: limits.connectTimeoutMs,
              readTimeoutMs: limits.readTimeoutMs,
              maxBytes: limits.maxBytes,
            });
          } catch {
            continue; // closed since the socket listing, or refused from loopback: nothing to learn
          }
          if (got.length === 0) continue;
          const banner = escapeBanner(got.subarray(0, limits.maxBytes));
          for (const s of t.sockets) s.banner = banner;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.parallel, queue.length)) }, worker));
    },
  };
}
