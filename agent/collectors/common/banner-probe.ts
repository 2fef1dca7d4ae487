import type { OsName, SocketInfo } from '../../model.ts';
import { PROBE_HOSTS, type ProbeRequest } from '../../runner.ts';
import type { Enricher } from '../types.ts';
import { escapeBanner } from './banner-text.ts';
import { HTTP_REQUEST, parseHttpReply, parseRdpReply, RDP_REQUEST } from './probe-requests.ts';

export { escapeBanner };

// A VNC server (x11vnc, TightVNC, macOS Screen Sharing, a RAT's bundled server) can listen on any port
// under any process name, but it always speaks first: "RFB 003.008\n". So every TCP socket listening on
// loopback or on all addresses is asked, from loopback only, what it says when a client connects. A server
// that stays silent (RDP, HTTP: they wait for the client) is then asked one fixed question per protocol, in
// parallel (probe-requests.ts: an RDP negotiation request and an HTTP GET of /); the first recognised answer
// in that order is kept: at most three connections per port. The number of ports, the bytes sent and read,
// the time per port and the total time are all capped.

export interface BannerLimits {
  maxPorts: number;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxBytes: number;
  /** What an HTTP answer may take: its Server header and title come after the status line. */
  maxReplyBytes: number;
  /** How long a question waits for its answer (a server that answers has a request to parse first). */
  replyTimeoutMs: number;
  /** No new probe starts after this many ms. */
  budgetMs: number;
  parallel: number;
}

export const DEFAULT_BANNER_LIMITS: BannerLimits = {
  maxPorts: 64,
  connectTimeoutMs: 300,
  readTimeoutMs: 500,
  maxBytes: 64,
  maxReplyBytes: 1024,
  replyTimeoutMs: 1_500,
  budgetMs: 8_000,
  parallel: 16,
};

const WILDCARD = new Set(['0.0.0.0', '::', '*', '', '[::]', '::0', '0:0:0:0:0:0:0:0']);

function stripAddr(a: string): string {
  return a
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '')
    .toLowerCase();
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

function assertLoopback(host: string): void {
  // The one invariant this file exists to keep: a banner check never leaves the machine
  if (!PROBE_HOSTS.includes(host)) throw new Error(`banner probe refused non-loopback host ${host}`);
}

type Runner = Parameters<Enricher['enrich']>[0]['runner'];

async function ask(runner: Runner, host: string, port: number, limits: BannerLimits, request?: ProbeRequest): Promise<Buffer | undefined> {
  try {
    return await runner.connectProbe(host, port, {
      connectTimeoutMs: limits.connectTimeoutMs,
      readTimeoutMs: request ? limits.replyTimeoutMs : limits.readTimeoutMs,
      maxBytes: request ? limits.maxReplyBytes : limits.maxBytes,
      request,
    });
  } catch {
    return undefined; // closed since the socket listing, or refused from loopback: nothing to learn
  }
}

const QUESTIONS: { request: ProbeRequest; parse: (b: Buffer) => string | undefined }[] = [
  // an HTTP server answers the RDP bytes with a 400 that already names it
  { request: RDP_REQUEST, parse: (b) => parseRdpReply(b) ?? parseHttpReply(b) },
  { request: HTTP_REQUEST, parse: parseHttpReply },
];

/** The banner of one port: what it says first, else its answer to the first question it recognisably answers. */
export async function probePort(
  runner: Runner,
  host: string,
  port: number,
  limits: BannerLimits,
  deadline = Infinity,
): Promise<Pick<SocketInfo, 'banner' | 'reply'> | undefined> {
  assertLoopback(host);
  const first = await ask(runner, host, port, limits);
  if (first === undefined) return undefined;
  if (first.length > 0) return { banner: escapeBanner(first.subarray(0, limits.maxBytes)) };
  if (Date.now() >= deadline) return undefined;
  // both questions at once, on two connections: a loaded host may take a second to answer either
  const answers = await Promise.all(QUESTIONS.map((q) => ask(runner, host, port, limits, q.request)));
  for (const [i, q] of QUESTIONS.entries()) {
    const got = answers[i];
    if (!got?.length) continue;
    const reply = q.parse(got);
    if (reply) return { banner: escapeBanner(got.subarray(0, limits.maxBytes)), reply };
  }
  return undefined;
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
          const found = await probePort(ctx.runner, t.host, t.port, limits, deadline);
          if (!found) continue;
          for (const s of t.sockets) Object.assign(s, found);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(limits.parallel, queue.length)) }, worker));
    },
  };
}
