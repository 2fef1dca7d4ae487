import type { PackageInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { runListing } from '../common/exec.ts';
import { parseTabListing } from './package-listing.ts';

// Debian/Ubuntu packages. dpkg's own database, /var/lib/dpkg/status, is read directly: it is what
// dpkg-query reads, and parsing it in-process costs a few milliseconds where starting dpkg-query costs a
// fork of the agent and tens of milliseconds of CPU. dpkg-query stays the fallback for what only dpkg can
// answer: a status file that cannot be read or is implausibly large, and changes dpkg has journalled in
// updates/ but not yet folded into status (an interrupted dpkg run).

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not a template literal
export const DPKG_ARGS = ['-W', '-f=${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'];

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_UPDATES = '/var/lib/dpkg/updates';
/** A desktop with 5,000 packages has a status file of about 8 MiB; far beyond that is not a status file. */
export const MAX_STATUS_BYTES = 64 * 1024 * 1024;
/** A field value longer than this is cut before decoding: names and versions are short, and clean() caps them anyway. */
const MAX_VALUE_BYTES = 4096;

// db:Status-Abbrev is three letters: desired action, current status, error flag (dpkg-query(1)); the second
// one says whether the package's files are on disk: installed, unpacked, half-configured, half-installed,
// triggers-awaited, triggers-pending; not 'n' (not-installed) nor 'c' (config-files: removed, only its
// conffiles left)
const ON_DISK = new Set(['i', 'U', 'F', 'H', 'W', 't']);
/** The same states as the status file spells them: the third word of "Status: install ok installed". */
const ON_DISK_WORDS = new Set(['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending']);

export function parseDpkg(out: string): PackageInfo[] {
  return parseTabListing(out, ([name, version, status]) => {
    if (!name || status === undefined || !ON_DISK.has(status.charAt(1))) return undefined;
    return { name: clean(name, 256), version: cleanOpt(version, 256), source: 'dpkg' };
  });
}

interface Stanza {
  package?: string;
  version?: string;
  architecture?: string;
  status?: string;
}

const NL = 0x0a;
const COLON = 0x3a;
const isBlank = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0d;
type Field = 'package' | 'version' | 'architecture' | 'status';
const FIELDS: Field[] = ['package', 'version', 'architecture', 'status'];
const FIELD_BYTES = FIELDS.map((f) => Buffer.from(f, 'latin1'));

/** The line [start, end) holds nothing but whitespace. */
function blankLine(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isBlank(buf[i])) return false;
  return true;
}

/** Which wanted field the line at `pos` starts ("Package:", case-insensitive), compared byte by byte. */
function fieldAt(buf: Buffer, pos: number, end: number): number {
  next: for (let f = 0; f < FIELD_BYTES.length; f++) {
    const name = FIELD_BYTES[f]!;
    if (pos + name.length >= end || buf[pos + name.length] !== COLON) continue;
    // ASCII letters only: setting bit 0x20 lowercases them
    for (let i = 0; i < name.length; i++) if ((buf[pos + i]! | 0x20) !== name[i]) continue next;
    return f;
  }
  return -1;
}

/**
 * The packages on disk in a dpkg status file (deb822 stanzas, deb822(5)): the same rows, in the same order
 * (by name, then architecture), as `dpkg-query -W` with DPKG_ARGS prints. Only Package, Version,
 * Architecture and Status are decoded; every other field (descriptions, conffiles) is skipped without
 * being turned into a string. Field names are case-insensitive; a line starting with a space or tab
 * continues the field above and is skipped; a line without a colon is ignored.
 */
export function parseDpkgStatus(buf: Buffer): PackageInfo[] {
  const rows: Stanza[] = [];
  let cur: Stanza = {};
  const flush = () => {
    const state = cur.status?.split(/\s+/)[2];
    if (cur.package && state && ON_DISK_WORDS.has(state)) rows.push(cur);
    cur = {};
  };
  for (let pos = 0; pos < buf.length; ) {
    let end = buf.indexOf(NL, pos);
    if (end < 0) end = buf.length;
    if (pos === end || isBlank(buf[pos])) {
      // an empty line ends the stanza; a non-empty one starting with a space continues a field
      if (blankLine(buf, pos, end)) flush();
    } else {
      const f = fieldAt(buf, pos, end);
      if (f >= 0) {
        const from = pos + FIELD_BYTES[f]!.length + 1;
        cur[FIELDS[f]!] = buf.toString('utf8', from, Math.min(end, from + MAX_VALUE_BYTES)).trim();
      }
    }
    pos = end + 1;
  }
  flush();
  // dpkg-query sorts by name, then architecture (pkg_sorter_by_nonambig_name_arch); byte order, as strcmp
  const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => cmp(a.package, b.package) || cmp(a.architecture, b.architecture));
  return rows.map((r) => ({ name: clean(r.package!, 256), version: cleanOpt(r.version, 256), source: 'dpkg' }));
}

/** The packages from the status file, or undefined where only dpkg-query can answer (see above). */
export async function readDpkgStatus(runner: Runner): Promise<PackageInfo[] | undefined> {
  try {
    // dpkg names its journal entries with digits only; anything else there is not pending work
    if ((await runner.readDir(DPKG_UPDATES)).some((e) => /^\d+$/.test(e.name))) return undefined;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') return undefined;
  }
  let buf: Buffer;
  try {
    buf = await runner.readFile(DPKG_STATUS, MAX_STATUS_BYTES + 1);
  } catch {
    return undefined;
  }
  return buf.length > MAX_STATUS_BYTES ? undefined : parseDpkgStatus(buf);
}

export const linuxDpkg: Collector = {
  name: 'linux.dpkg',
  async collect(ctx) {
    const fromFile = await readDpkgStatus(ctx.runner);
    return { packages: fromFile ?? parseDpkg(await runListing(ctx.runner, 'dpkg-query', DPKG_ARGS)) };
  },
};
