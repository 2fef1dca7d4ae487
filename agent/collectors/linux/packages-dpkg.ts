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

type Field = 'package' | 'version' | 'architecture' | 'status';
/** The wanted fields by the lower-cased first letter of their name, which differs between them. */
const FIELD_BY_LETTER = new Map<number, { field: Field; length: number }>(
  (['package', 'version', 'architecture', 'status'] as const).map((f) => [f.charCodeAt(0), { field: f, length: f.length }]),
);
// Field names are ASCII and case-insensitive: [Pp][Aa]... spelled out rather than the `i` flag, whose case
// folding reaches beyond ASCII
const NAMES = [...FIELD_BY_LETTER.values()].map(({ field }) => [...field].map((c) => `[${c.toUpperCase()}${c}]`).join('')).join('|');
/**
 * The lines that matter, each with the newline before it: a wanted field's line (its name, a colon and
 * the rest of the line), or just the newline when the line after it holds nothing but spaces, tabs and
 * CRs (a stanza's end). Every other line (other fields, continuation lines starting with a space, lines
 * without a colon) is stepped over inside the regular expression engine, without a string for it.
 */
const LINES = new RegExp(`\\n(?:(?=[ \\t\\r]*(?:\\n|$))|(?:${NAMES}):[^\\n]*)`, 'g');
/** The file's first line, which has no newline before it, when it is a wanted field. */
const FIRST_LINE = new RegExp(`(?:${NAMES}):[^\\n]*`, 'y');
/** Whether any wanted field's value holds a byte that is not ASCII (then values are decoded as UTF-8). */
const NOT_ASCII_FIELD = new RegExp(`(?:^|\\n)(?:${NAMES}):[^\\n]*[^\\x00-\\x7f]`);
const NOT_ASCII = /[^\x00-\x7f]/;
/** The third word of Status is one of ON_DISK_WORDS (words split on whitespace; the value is trimmed). */
const ON_DISK_STATUS = new RegExp(`^\\S+\\s+\\S+\\s+(?:${[...ON_DISK_WORDS].join('|')})(?:\\s|$)`);
/**
 * The file is searched a window at a time, each ending at a line's end so that no line is split: a
 * window's text is young garbage, where one string of the whole file (megabytes) would take fresh pages
 * of the large-object space, and one search's list of lines stays bounded.
 */
const WINDOW = 64 * 1024;

/**
 * The packages on disk in a dpkg status file (deb822 stanzas, deb822(5)): the same rows, in the same order
 * (by name, then architecture), as `dpkg-query -W` with DPKG_ARGS prints. Only Package, Version,
 * Architecture and Status are decoded; every other field (descriptions, conffiles) is skipped without
 * being turned into a string. Field names are case-insensitive; a line starting with a space or tab
 * continues the field above and is skipped; a line without a colon is ignored.
 *
 * The file is read as latin1 text (a character per byte, so a value cut at MAX_VALUE_BYTES characters
 * is cut at that many bytes), and one String#match call per window lists the lines that matter: a
 * desktop's status file is ~20,000 lines, of which a fifth matter, and looking at each line from
 * JavaScript (interpreted: the agent runs without the optimizing compilers) cost several times the search.
 */
export function parseDpkgStatus(buf: Buffer): PackageInfo[] {
  const rows: Stanza[] = [];
  let cur: Stanza = {};
  let decode = false;
  /** One matched line: `skip` characters (its newline) before the field name, or just a newline (a blank line). */
  const take = (line: string, skip: number) => {
    if (line.length === skip) {
      if (cur.package && cur.status !== undefined && ON_DISK_STATUS.test(cur.status)) rows.push(cur);
      cur = {};
      return;
    }
    const { field, length } = FIELD_BY_LETTER.get(line.charCodeAt(skip) | 0x20)!;
    const from = skip + length + 1;
    const raw = line.length - from > MAX_VALUE_BYTES ? line.slice(from, from + MAX_VALUE_BYTES) : line.slice(from);
    // ASCII reads the same in latin1 and UTF-8: only a value with other bytes is decoded as UTF-8
    cur[field] = (decode && NOT_ASCII.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw).trim();
  };
  for (let start = 0; start < buf.length; ) {
    let stop = start + WINDOW < buf.length ? buf.indexOf(0x0a, start + WINDOW) : -1;
    if (stop < 0) stop = buf.length;
    const text = buf.toString('latin1', start, stop);
    decode = NOT_ASCII_FIELD.test(text);
    if (start === 0) {
      FIRST_LINE.lastIndex = 0;
      const first = FIRST_LINE.exec(text);
      if (first) take(first[0], 0);
    }
    for (const line of text.match(LINES) ?? []) take(line, 1);
    start = stop;
  }
  take('', 0);
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
