// Normalising the network values hosts report (hostile input: agents are on laptops we suspect) and
// matching them against the allow-listed office ranges. Pure: node:net's BlockList and isIP do no I/O.
import { BlockList, isIP } from 'node:net';
import { normalizeMac } from '../../agent/collectors/common/host-context.ts';
import { clean } from '../../agent/text.ts';

// Placeholders that many unrelated machines report, so sharing one proves nothing:
// 02:00:00:00:00:00 is what Android/iOS/macOS APIs return when the real MAC is withheld;
// 52:54:00:12:35:02 is the gateway of every QEMU and VirtualBox user-mode NAT network.
const JUNK_MACS = new Set(['02:00:00:00:00:00', '52:54:00:12:35:02']);

/**
 * Any common spelling ("AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "aabbccddeeff", "a:b:c:d:e:f") -> "aa:bb:cc:dd:ee:ff";
 * undefined for values that cannot identify one network: unparsable, all-zero, broadcast, multicast, placeholders.
 * Locally administered addresses are kept: virtual BSSIDs of multi-SSID access points and mesh routers use them.
 */
export function canonicalMac(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 64) return undefined;
  let s = raw.trim().toLowerCase();
  if (/^[0-9a-f]{12}$/.test(s) || /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(s)) {
    s = s.replace(/\./g, '').match(/../g)!.join(':');
  }
  const mac = normalizeMac(s);
  if (!mac || JUNK_MACS.has(mac)) return undefined;
  // Stryker disable next-line MethodExpression: parseInt stops at the first ':', so the whole MAC reads as its first octet
  if (parseInt(mac.slice(0, 2), 16) & 1) return undefined; // group (multicast) bit: never a gateway or an AP
  return mac;
}

/** A usable IP address in one spelling ("::ffff:1.2.3.4" -> "1.2.3.4", IPv6 lower case, zone dropped); else undefined. */
export function canonicalIp(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 64) return undefined;
  let s = raw.trim().toLowerCase().replace(/%.*$/, '');
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped) s = mapped[1];
  const v = isIP(s);
  if (v === 4) return s;
  if (v === 6)
    return expandIpv6(s)
      .map((g) => g.toString(16))
      .join(':');
  return undefined;
}

/**
 * Addresses that say nothing about where a laptop is: loopback, unspecified, link-local (a server test
 * or a misconfigured proxy would otherwise put the whole fleet behind one "public IP").
 */
export function isMeaninglessIp(ip: string): boolean {
  return /^(127\.|0\.|169\.254\.)/.test(ip) || ip === '0:0:0:0:0:0:0:0' || ip === '0:0:0:0:0:0:0:1' || /^fe[89ab][0-9a-f]:/.test(ip);
}

/** Eight 16-bit groups of a valid IPv6 address (isIP already said it is one). */
function expandIpv6(s: string): number[] {
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    s = s.slice(0, -v4[1].length);
  }
  // empty parts (beside "::", or before the IPv4 tail) are no groups; "::" stands for the zeros missing from 8
  const [head, rest = ''] = s.split('::');
  const groups = (part: string) =>
    part
      .split(':')
      .filter(Boolean)
      .map((g) => parseInt(g, 16));
  const h = groups(head);
  const r = groups(rest);
  return [...h, ...Array(8 - h.length - r.length - tail.length).fill(0), ...r, ...tail];
}

/**
 * The key hosts share when they sit behind one connection: the IPv4 address itself, or the IPv6 /prefix
 * (a home router hands every laptop its own address in one /64).
 */
export function publicIpKey(ip: string, ipv6PrefixLength: number): string {
  if (isIP(ip) !== 6) return ip;
  const groups = expandIpv6(ip);
  const bits = Math.min(128, Math.max(0, Math.floor(ipv6PrefixLength)));
  const out = groups.map((g, i) => {
    const keep = Math.min(16, Math.max(0, bits - i * 16));
    return g & (0xffff << (16 - keep)) & 0xffff; // keep 0: 0xffff << 16 leaves no low bits
  });
  return `${out.map((g) => g.toString(16)).join(':')}/${bits}`;
}

/**
 * The widest range one allow-list entry may name: /8 is the largest IPv4 block any single organisation
 * holds, and no organisation's IPv6 allocation is wider than /16. Anything wider (0.0.0.0/0, ::/0) would
 * allow-list whole regions of the internet and with them every farm behind them, so it is refused.
 */
export const WIDEST_PREFIX = { ipv4: 8, ipv6: 16 } as const;

export type IpRange = { ip: string; prefix: number; type: 'ipv4' | 'ipv6' };

/**
 * One allow-list entry (an address or a CIDR, IPv4 or IPv6) in one spelling, or the one-line reason it is
 * refused. The one parser of office CIDRs and VPN egress entries: settings files, the database, the console.
 */
export function parseIpRange(raw: unknown): IpRange | { error: string } {
  const text = String(raw).trim();
  const shown = `"${clean(text.slice(0, 80), 80)}"`;
  const [addr, len, extra] = text.split('/');
  const ip = canonicalIp(addr);
  if (!ip || extra !== undefined) return { error: `${shown} is not an IP address or CIDR` };
  const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  const max = type === 'ipv6' ? 128 : 32;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max || (len !== undefined && !/^\d+$/.test(len))) return { error: `${shown} has a bad prefix length` };
  if (prefix < WIDEST_PREFIX[type])
    return {
      error: `${shown} is wider than /${WIDEST_PREFIX[type]}: it would allow-list ${prefix === 0 ? `every ${type === 'ipv6' ? 'IPv6' : 'IPv4'} address` : 'more than any one organisation holds'}`,
    };
  return { ip, prefix, type };
}

/**
 * A set of addresses and ranges; a bad entry throws a one-line error naming it (settings are checked at
 * load). IPv4 and IPv6 entries are kept apart: an IPv6 range matches IPv6 addresses only and an IPv4 one
 * IPv4 addresses only (node's BlockList alone would let "::/8" or "::ffff:0:0/96" match every IPv4 address
 * through the IPv4-mapped range). Addresses are canonical (canonicalIp: "::ffff:1.2.3.4" is IPv4).
 */
export class IpRanges {
  private readonly v4 = new BlockList();
  private readonly v6 = new BlockList();
  // Stryker disable next-line BooleanLiteral: only the shortcut in has() reads it
  private empty = true;
  constructor(entries: readonly string[], what: string) {
    for (const raw of entries) {
      const r = parseIpRange(raw);
      if ('error' in r) throw new Error(`${what}: ${r.error}`);
      (r.type === 'ipv6' ? this.v6 : this.v4).addSubnet(r.ip, r.prefix, r.type);
      this.empty = false;
    }
  }
  has(ip: string): boolean {
    // Stryker disable next-line ConditionalExpression: a shortcut; an empty BlockList matches nothing either
    if (this.empty) return false;
    const v = isIP(ip);
    return v === 6 ? this.v6.check(ip, 'ipv6') : v === 4 ? this.v4.check(ip, 'ipv4') : false;
  }
}
