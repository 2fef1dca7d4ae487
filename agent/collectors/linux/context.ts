import type { HostContext } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean } from '../../text.ts';
import { contextCollector, firstWifi, normalizeMac, wifiFields, zoneFromLink } from '../common/host-context.ts';

// Facts about where a Linux laptop is and who types on it: time zone, locale, enabled input methods
// (a Korean IME on a laptop issued to a US employee), the default gateway's MAC (laptops sharing one
// router) and the Wi-Fi network. Each part is read on its own; a missing tool costs only its fields.
//
// The time zone is read from /etc/localtime and /etc/timezone rather than through systeminformation's
// si.time(), which on Linux runs `date ... && ls -l /etc/localtime` through a shell (execSync).

const MAX_HOMES = 64;
const MAX_WIFI_IFACES = 4;
const SMALL = 64 * 1024;

async function text(runner: Runner, path: string): Promise<string | undefined> {
  try {
    return (await runner.readFile(path, SMALL)).toString('utf8');
  } catch {
    return undefined;
  }
}

async function timezone(runner: Runner): Promise<Partial<HostContext>> {
  try {
    const zone = zoneFromLink(await runner.readLink('/etc/localtime'));
    if (zone) return { timezone: zone };
  } catch {
    // not a link (copied zone file) or absent: Debian also writes the name to /etc/timezone
  }
  const name = (await text(runner, '/etc/timezone'))?.split('\n')[0].trim();
  if (name && /^[A-Za-z0-9_+/-]+$/.test(name)) return { timezone: name };
  throw new Error('neither /etc/localtime nor /etc/timezone names a zone');
}

/** LANG from a shell-style assignment file (/etc/default/locale on Debian, /etc/locale.conf on systemd). */
export function langFrom(file: string): string | undefined {
  for (const line of file.split('\n')) {
    const m = /^\s*(?:export\s+)?LANG\s*=\s*["']?([^"'\s#]+)["']?/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

async function locale(runner: Runner): Promise<Partial<HostContext>> {
  for (const path of ['/etc/default/locale', '/etc/locale.conf']) {
    const f = await text(runner, path);
    const lang = f && langFrom(f);
    if (lang) return { locale: clean(lang, 64) };
  }
  throw new Error('no LANG in /etc/default/locale or /etc/locale.conf');
}

/** `gsettings get org.gnome.desktop.input-sources sources` -> ["xkb:us", "ibus:hangul"]. */
export function parseGsettingsSources(out: string): string[] {
  return [...out.matchAll(/\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)/g)].map((m) => clean(`${m[1]}:${m[2]}`.trim(), 64));
}

/** fcitx5 `profile`: the Name= of every [Groups/N/Items/M] section. */
export function parseFcitx5Profile(ini: string): string[] {
  const out: string[] = [];
  let inItem = false;
  for (const line of ini.split('\n')) {
    const sec = /^\s*\[(.*)\]\s*$/.exec(line);
    if (sec) {
      inItem = /^Groups\/\d+\/Items\/\d+$/.test(sec[1]);
      continue;
    }
    const m = inItem && /^\s*Name\s*=\s*(.+?)\s*$/.exec(line);
    if (m) out.push(clean(`fcitx5:${m[1]}`, 64));
  }
  return out;
}

/** fcitx 4 `profile`: EnabledIMList=fcitx-keyboard-us:True,hangul:True,pinyin:False. */
export function parseFcitx4Profile(ini: string): string[] {
  const m = /^\s*EnabledIMList\s*=\s*(.*)$/m.exec(ini);
  if (!m) return [];
  return m[1]
    .split(',')
    .map((e) => /^(.+):True$/i.exec(e.trim())?.[1])
    .filter((n): n is string => Boolean(n))
    .map((n) => clean(`fcitx:${n}`.trim(), 64));
}

// gsettings answers from the schema's default unless a dconf database says otherwise (dconf(7)): the
// user's own ($HOME/.config/dconf/user; gsettings gets HOME and no XDG_CONFIG_HOME or DCONF_PROFILE from
// the runner), or system databases, which only a profile file brings in. A vendor's .gschema.override
// or a patched schema can change the default itself. Where none of these can make the answer anything but
// upstream's empty list (the usual root daemon), gsettings is not started: it would print "[]".
const SCHEMA_DIRS = ['/usr/local/share/glib-2.0/schemas', '/usr/share/glib-2.0/schemas'];
const DCONF_PROFILES = ['/etc/dconf/profile/user', '/usr/share/dconf/profile/user'];
const MAX_OVERRIDES = 64;
const INPUT_SOURCES_SCHEMA = 'org.gnome.desktop.input-sources.gschema.xml';
const EMPTY_SOURCES_DEFAULT = /<key name="sources"[^>]*>\s*<default>\s*\[\]\s*<\/default>/;

/**
 * The home folder gsettings uses: HOME, or without it (a systemd service with no User=) the passwd entry of
 * the agent's user, as GLib's g_get_home_dir falls back to. Only /etc/passwd is read: the agent runs as
 * root or a local service account, never as a directory user.
 */
export async function agentHome(
  runner: Runner,
  env = process.env,
  uid: number | null = process.getuid?.() ?? null,
): Promise<string | undefined> {
  if (env.HOME) return env.HOME;
  if (uid === null) return undefined;
  const passwd = await text(runner, '/etc/passwd');
  const entry = passwd?.split('\n').find((l) => l.split(':')[2] === String(uid));
  return entry?.split(':')[5] || undefined;
}

export async function gsettingsMayDiffer(runner: Runner, home?: string): Promise<boolean> {
  if (!home || (await runner.exists(`${home}/.config/dconf/user`))) return true;
  for (const p of DCONF_PROFILES) if (await runner.exists(p)) return true;
  for (const dir of SCHEMA_DIRS) {
    let names: string[];
    try {
      names = (await runner.readDir(dir)).map((e) => e.name);
    } catch {
      continue; // no schemas there
    }
    const overrides = names.filter((n) => n.endsWith('.gschema.override'));
    if (overrides.length > MAX_OVERRIDES) return true;
    for (const n of overrides) {
      const t = await text(runner, `${dir}/${n}`);
      if (t === undefined || t.includes('input-sources')) return true;
    }
    const xml = names.includes(INPUT_SOURCES_SCHEMA) ? await text(runner, `${dir}/${INPUT_SOURCES_SCHEMA}`) : undefined;
    if (xml !== undefined && !EMPTY_SOURCES_DEFAULT.test(xml)) return true;
  }
  return false;
}
async function inputMethods(runner: Runner): Promise<Partial<HostContext>> {
  const found: string[] = [];
  // The agent's own user's GNOME sources (meaningful when a user runs the scan); users' fcitx profiles below
  try {
    if (await gsettingsMayDiffer(runner, await agentHome(runner))) {
      const r = await runner.exec('gsettings', ['get', 'org.gnome.desktop.input-sources', 'sources'], { timeoutMs: 5_000 });
      if (r.code === 0) found.push(...parseGsettingsSources(r.stdout));
    }
  } catch {
    // no GNOME
  }
  let homes: string[] = [];
  try {
    homes = (await runner.readDir('/home')).filter((e) => !e.isFile && !e.name.startsWith('.')).map((e) => `/home/${e.name}`);
  } catch {
    // no /home
  }
  for (const home of [...homes.slice(0, MAX_HOMES), '/root']) {
    const f5 = await text(runner, `${home}/.config/fcitx5/profile`);
    if (f5) found.push(...parseFcitx5Profile(f5));
    const f4 = await text(runner, `${home}/.config/fcitx/profile`);
    if (f4) found.push(...parseFcitx4Profile(f4));
  }
  return { inputMethods: found };
}

function hexIp(h: string): string | undefined {
  // /proc/net/route prints addresses in host byte order; every Linux laptop CPU is little-endian
  if (!/^[0-9A-Fa-f]{8}$/.test(h)) return undefined;
  return [6, 4, 2, 0].map((i) => parseInt(h.slice(i, i + 2), 16)).join('.');
}

/** Default routes from /proc/net/route, best (lowest metric) first. */
export function parseDefaultRoutes(route: string): { iface: string; gateway: string; metric: number }[] {
  const out: { iface: string; gateway: string; metric: number }[] = [];
  for (const line of route.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const flags = parseInt(f[3], 16);
    const gateway = hexIp(f[2]);
    // RTF_UP (1) and RTF_GATEWAY (2)
    if (!gateway || gateway === '0.0.0.0' || (flags & 3) !== 3) continue;
    out.push({ iface: f[0], gateway, metric: Number(f[6]) || 0 });
  }
  return out.sort((a, b) => a.metric - b.metric);
}

/** Complete entries of /proc/net/arp, keyed "<ip> <device>". */
export function parseProcArp(arp: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of arp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const mac = normalizeMac(f[3]);
    // ATF_COM (0x2): the kernel has the neighbour's address
    if (mac && (parseInt(f[2], 16) & 2) === 2) out.set(`${f[0]} ${f[5]}`, mac);
  }
  return out;
}

async function gateway(runner: Runner): Promise<Partial<HostContext>> {
  const route = await text(runner, '/proc/net/route');
  if (route === undefined) throw new Error('cannot read /proc/net/route');
  const arp = parseProcArp((await text(runner, '/proc/net/arp')) ?? '');
  // A full-tunnel VPN's default route has no neighbour entry; the LAN route behind it does
  for (const r of parseDefaultRoutes(route)) {
    const mac = arp.get(`${r.gateway} ${r.iface}`);
    if (mac) return { defaultGatewayMac: mac };
  }
  return {};
}

/** nmcli terse mode: fields split on ":", with "\:" and "\\" escaping the characters inside values. */
export function splitTerse(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseNmcliWifi(out: string): Partial<HostContext> {
  for (const line of out.split('\n')) {
    const [active, ssid, bssid] = splitTerse(line.replace(/\r$/, ''));
    if (active === 'yes') return wifiFields(ssid, bssid);
  }
  return {};
}

/** `iw dev <if> link`: "Connected to aa:bb:cc:dd:ee:ff (on wlan0)" and a tab-indented "SSID: name". */
export function parseIwLink(out: string): Partial<HostContext> {
  const bssid = /^Connected to ([0-9a-f:]{17})/im.exec(out)?.[1];
  const ssid = /^\s+SSID: (.*)$/m.exec(out)?.[1];
  return wifiFields(ssid, bssid);
}

async function wifi(runner: Runner): Promise<Partial<HostContext>> {
  try {
    // --rescan no: report the current association without making the radio scan
    const r = await runner.exec('nmcli', ['-t', '-f', 'ACTIVE,SSID,BSSID', 'dev', 'wifi', 'list', '--rescan', 'no'], { timeoutMs: 10_000 });
    if (r.code === 0) return parseNmcliWifi(r.stdout);
  } catch {
    // no NetworkManager: ask the kernel's nl80211 through iw
  }
  const dev = await runner.exec('iw', ['dev'], { timeoutMs: 5_000 });
  const ifaces = [...dev.stdout.matchAll(/^\s*Interface\s+(\S+)\s*$/gm)].map((m) => m[1]).slice(0, MAX_WIFI_IFACES);
  return firstWifi(ifaces, async (iface) => parseIwLink((await runner.exec('iw', ['dev', iface, 'link'], { timeoutMs: 5_000 })).stdout));
}

export const linuxContext: Collector = contextCollector('linux', ({ runner: r }) => ({
  timezone: () => timezone(r),
  locale: () => locale(r),
  'input methods': () => inputMethods(r),
  gateway: () => gateway(r),
  'wi-fi': () => wifi(r),
}));
