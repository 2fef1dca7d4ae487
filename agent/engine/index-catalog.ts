import type { Catalog, CatalogTool } from '../catalog/types.ts';
import { EVERYDAY_PRODUCT_NAMES, GENERIC_SERVICE_WORDS, SERVICE_RUN_MIN } from './everyday.ts';
import { compactName, normSigner, normalizeProductName } from './names.ts';

// Lookup tables over the catalog, built once per catalog object: a scan matches thousands of
// inventory items, and a linear pass over ~350 tools for each would dominate the scan time.

export interface CatalogIndex {
  byProcess: Map<string, CatalogTool[]>; // normalized executable name
  processNames: string[]; // for prefix matching of names the kernel truncated
  byPackage: Map<string, CatalogTool[]>;
  byBundleId: Map<string, CatalogTool[]>;
  byService: Map<string, CatalogTool[]>;
  servicePrefixes: { prefix: string; tool: CatalogTool }[];
  byPeName: Map<string, CatalogTool[]>;
  byTeamId: Map<string, CatalogTool[]>;
  byToolName: Map<string, CatalogTool[]>;
  byUsb: Map<string, CatalogTool[]>; // "vvvv:pppp"
  byDisplayName: Map<string, CatalogTool[]>;
  bySetting: Map<string, { tool: CatalogTool; equals: string | number | boolean }[]>;
  banners: { prefix: string; tool: CatalogTool }[];
  paths: { re: PathMatcher; tool: CatalogTool }[];
  /** The path patterns a folded path can match, found through its folder and file names (PathIndex). */
  pathIndex: PathIndex;
  /** Domain -> tools; "anydesk.com" and "*.anydesk.com" both stand for the domain and its subdomains. */
  byDomain: Map<string, CatalogTool[]>;
  /** Script basenames (also without .js/.py) and package names of interpreted servers. */
  byScript: Map<string, CatalogTool[]>;
  /** Normalised product names (agent/catalog/product-name.ts), matched as a word prefix of an observed name. */
  byProductName: Map<string, CatalogTool[]>;
  /** Signers and PE company names in normSigner form. */
  bySigner: Map<string, CatalogTool[]>;
  /** Service names with their words run together ("ammyyadmin"), for word runs inside longer names. */
  byServiceRun: Map<string, CatalogTool[]>;
  /** Command-line fragments by their first token ("tunnel" -> "tunnel run --token"). */
  byCmdToken: Map<string, { fragment: string; tool: CatalogTool }[]>;
  /**
   * Quick refusals, each exact: most items of a scan name no tool, and these let the engine say so
   * without building the strings a lookup needs.
   */
  quick: QuickChecks;
}

/** See CatalogIndex.quick; filled by indexCatalog from the maps above. */
export interface QuickChecks {
  /** By a byCmdToken key's first character (ASCII): bit min(length, 31) set for each key length. */
  cmdTokenLengths: Uint32Array;
  /** Last labels of catalog domains ("com", "io"), by their first character. */
  domainEnds: Map<string, string[]>;
  /** First 4 characters of every process name of 4 or more: an executable stem (4 or more) starts with one. */
  stemHeads: Set<string>;
  /** Process names sorted, with their place in processNames, for names the kernel cut to 15 characters. */
  sortedNames: { name: string; at: number }[];
}

/** Lowercase, no trailing ".exe"/".app": "AnyDesk.exe", "anydesk" and "AnyDesk.app" are one name. */
export function normName(s: string): string {
  const n = s.trim().toLowerCase();
  return n.endsWith('.exe') || n.endsWith('.app') ? n.slice(0, -4) : n;
}

const DIGIT = /\d/;

/** Normalizes an installed-program title: "TeamViewer 15 (x64)" and "TeamViewer" are one product. */
export function normTitle(s: string): string {
  let t = s.toLowerCase();
  // each replacement only where its first character occurs: most names have no parenthesis
  if (t.includes('(')) {
    t = t
      .replace(/\((x64|x86|64-bit|32-bit|per-user|machine-wide)\)/g, ' ')
      // per-instance suffixes such as ScreenConnect's "ScreenConnect Client (4b9e2f7a1c3d5e60)"
      .replace(/\([0-9a-f]{8,}\)/g, ' ');
  }
  if (DIGIT.test(t)) t = t.replace(/\bv?\d+(\.\d+)*\b/g, ' ');
  return t.replace(/\s+/g, ' ').trim();
}

/** A compiled catalog path pattern: `test` answers what the anchored regex of the pattern would. */
export interface PathMatcher {
  test(folded: string): boolean;
}

// What "." in a regex does not match: a wildcard never spans one of these
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * A "*"-only glob matched without a regex: 447 patterns against every path of a scan. The fixed pieces
 * between the wildcards are found left to right, each at its first place after the one before, which is
 * the whole of glob matching when "*" is the only wildcard. A "*" stands for ".*", so like the regex it
 * never spans a line break.
 */
class GlobPattern implements PathMatcher {
  private readonly head: string;
  private readonly tail: string;
  private readonly middle: string[];
  private readonly wild: boolean;
  private readonly fixed: number;

  constructor(folded: string) {
    const parts = folded.split('*');
    this.wild = parts.length > 1;
    this.head = parts[0]!;
    this.tail = this.wild ? parts[parts.length - 1]! : '';
    this.middle = parts.slice(1, -1).filter((x) => x !== '');
    this.fixed = this.head.length + this.tail.length;
  }

  test(s: string): boolean {
    if (!this.wild) return s === this.head;
    if (s.length < this.fixed || !s.startsWith(this.head) || !s.endsWith(this.tail)) return false;
    let at = this.head.length;
    const end = s.length - this.tail.length;
    for (const piece of this.middle) {
      const i = s.indexOf(piece, at);
      if (i === -1 || i + piece.length > end) return false;
      at = i + piece.length;
    }
    // the fixed pieces hold no line break (pathPattern checks), so any line break falls under a "*"
    return !LINE_TERMINATOR.test(s);
  }
}

/** Catalog path patterns use "*" as the only wildcard and "/" as separator; Windows paths are folded to match. */
export function pathPattern(p: string): PathMatcher {
  const folded = p.toLowerCase().replace(/\\/g, '/');
  if (!LINE_TERMINATOR.test(folded)) return new GlobPattern(folded);
  const esc = folded.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`);
}

/**
 * Finds the catalog path patterns worth testing against a path without trying all of them. Nearly every
 * pattern holds a whole literal path component ("*\/program files*\/remotepc/*" holds "remotepc"), which
 * only a path with that very component can match, so patterns are filed under their rarest such component
 * and a path looks up its own components. The few without one are tried on every path. Candidates come
 * back in catalog order, the order the engine always tried them in.
 */
export class PathIndex {
  // by a hash of the component's characters, so a path's components are looked up without cutting it into strings
  private readonly byComponent = new Map<number, { component: string; patterns: number[] }[]>();
  private readonly always: number[] = [];

  constructor(
    readonly patterns: readonly { re: PathMatcher; tool: CatalogTool }[],
    sources: readonly string[],
  ) {
    const literal = sources.map((src) => {
      const parts = src.toLowerCase().replace(/\\/g, '/').split('/');
      // a component between two slashes, or at either anchored end, with no wildcard in it
      return [...new Set(parts.filter((c) => c !== '' && !c.includes('*')))];
    });
    const count = new Map<string, number>();
    for (const cs of literal) for (const c of cs) count.set(c, (count.get(c) ?? 0) + 1);
    literal.forEach((cs, i) => {
      const key = cs.sort((a, b) => count.get(a)! - count.get(b)! || b.length - a.length || (a < b ? -1 : 1))[0];
      if (key === undefined) this.always.push(i);
      else {
        const h = componentHash(key, 0, key.length);
        const bucket = this.byComponent.get(h) ?? [];
        const entry = bucket.find((e) => e.component === key);
        if (entry) entry.patterns.push(i);
        else bucket.push({ component: key, patterns: [i] });
        this.byComponent.set(h, bucket);
      }
    });
  }

  /** Patterns that match `folded` (lowercase, forward slashes), in catalog order. */
  matches(folded: string): { re: PathMatcher; tool: CatalogTool }[] {
    let picked: number[] | undefined;
    let lists = 0;
    for (let from = 0; from < folded.length; ) {
      let to = folded.indexOf('/', from);
      if (to === -1) to = folded.length;
      if (to > from) {
        const bucket = this.byComponent.get(componentHash(folded, from, to));
        if (bucket) {
          for (const { component, patterns } of bucket) {
            if (component.length !== to - from || !folded.startsWith(component, from)) continue;
            picked = picked ? picked.concat(patterns) : patterns;
            lists++;
          }
        }
      }
      from = to + 1;
    }
    const out: { re: PathMatcher; tool: CatalogTool }[] = [];
    const test = (i: number) => {
      if (this.patterns[i]!.re.test(folded)) out.push(this.patterns[i]!);
    };
    if (!picked) {
      for (const i of this.always) test(i);
      return out;
    }
    // in catalog order, each once: one component's list and the always-tried list are each sorted already
    const a = lists === 1 ? picked : [...new Set(picked)].sort((x, y) => x - y);
    const b = this.always;
    for (let i = 0, j = 0; i < a.length || j < b.length; ) {
      if (j >= b.length || (i < a.length && a[i]! < b[j]!)) test(a[i++]!);
      else if (i >= a.length || b[j]! < a[i]!) test(b[j++]!);
      else {
        test(a[i++]!);
        j++;
      }
    }
    return out;
  }
}

/** FNV-1a over the UTF-16 code units of s[from, to). */
function componentHash(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (!list) m.set(k, [v]);
  else if (!list.includes(v)) list.push(v);
}

const cache = new WeakMap<Catalog, CatalogIndex>();

export function indexCatalog(catalog: Catalog): CatalogIndex {
  const hit = cache.get(catalog);
  if (hit) return hit;
  const ix: CatalogIndex = {
    byProcess: new Map(),
    processNames: [],
    byPackage: new Map(),
    byBundleId: new Map(),
    byService: new Map(),
    servicePrefixes: [],
    byPeName: new Map(),
    byTeamId: new Map(),
    byToolName: new Map(),
    byUsb: new Map(),
    byDisplayName: new Map(),
    bySetting: new Map(),
    banners: [],
    paths: [],
    pathIndex: undefined!,
    byDomain: new Map(),
    byScript: new Map(),
    byProductName: new Map(),
    bySigner: new Map(),
    byServiceRun: new Map(),
    byCmdToken: new Map(),
    quick: undefined!,
  };
  const pathSources: string[] = [];
  for (const t of catalog.tools) {
    for (const n of [...t.processes.windows, ...t.processes.darwin, ...t.processes.linux]) push(ix.byProcess, normName(n), t);
    for (const n of t.packages) push(ix.byPackage, normTitle(n) || n.toLowerCase(), t);
    push(ix.byToolName, normTitle(t.name), t);
    for (const b of t.bundleIds) push(ix.byBundleId, b.toLowerCase(), t);
    for (const s of t.services) {
      if (s.endsWith('*')) ix.servicePrefixes.push({ prefix: s.slice(0, -1).toLowerCase(), tool: t });
      else push(ix.byService, s.toLowerCase().replace(/\.service$/, ''), t);
    }
    for (const n of t.peOriginalFilenames) push(ix.byPeName, normName(n), t);
    for (const id of t.teamIds) push(ix.byTeamId, id.toUpperCase(), t);
    for (const u of t.usb) push(ix.byUsb, `${u.vendorId.toLowerCase()}:${u.productId.toLowerCase()}`, t);
    for (const d of t.displayNames) push(ix.byDisplayName, d.toLowerCase(), t);
    for (const s of t.settings) {
      const list = ix.bySetting.get(s.key) ?? [];
      list.push({ tool: t, equals: s.equals });
      ix.bySetting.set(s.key, list);
    }
    for (const b of t.banners) ix.banners.push({ prefix: b.toLowerCase(), tool: t });
    for (const p of t.paths) {
      ix.paths.push({ re: pathPattern(p), tool: t });
      pathSources.push(p);
    }
    for (const d of t.domains) push(ix.byDomain, d.toLowerCase().replace(/^\*\./, ''), t);
    for (const n of t.scripts) {
      push(ix.byScript, n.toLowerCase(), t);
      push(ix.byScript, n.toLowerCase().replace(/\.(js|cjs|mjs|py|pl|rb)$/, ''), t);
    }
    for (const n of t.productNames) {
      const k = normalizeProductName(n);
      if (k && !EVERYDAY_PRODUCT_NAMES.has(k)) push(ix.byProductName, k, t);
    }
    for (const s of t.signers) {
      const k = normSigner(s);
      if (k) push(ix.bySigner, k, t);
    }
    for (const s of t.services) {
      const k = compactName(s.replace(/\*$/, ''));
      if (k.length >= SERVICE_RUN_MIN && !GENERIC_SERVICE_WORDS.has(k)) push(ix.byServiceRun, k, t);
    }
    for (const f of t.commandLines) {
      const fragment = f.toLowerCase().trim();
      const first = cmdTokens(fragment)[0];
      if (first?.at !== 0) continue;
      const list = ix.byCmdToken.get(first.token) ?? [];
      list.push({ fragment, tool: t });
      ix.byCmdToken.set(first.token, list);
    }
  }
  ix.processNames = [...ix.byProcess.keys()];
  ix.pathIndex = new PathIndex(ix.paths, pathSources);
  ix.quick = quickChecks(ix);
  cache.set(catalog, ix);
  return ix;
}

function quickChecks(ix: CatalogIndex): QuickChecks {
  const cmdTokenLengths = new Uint32Array(128);
  for (const k of ix.byCmdToken.keys()) {
    const c = k.charCodeAt(0);
    // the quick refusal serves ASCII command lines only, whose tokens start with an ASCII character
    if (c < 128) cmdTokenLengths[c] |= 1 << Math.min(k.length, 31);
  }
  const domainEnds = new Map<string, string[]>();
  for (const d of ix.byDomain.keys()) {
    const end = d.slice(d.lastIndexOf('.') + 1);
    const list = domainEnds.get(end[0] ?? '') ?? [];
    if (!list.includes(end)) list.push(end);
    domainEnds.set(end[0] ?? '', list);
  }
  const stemHeads = new Set(ix.processNames.filter((n) => n.length >= 4).map((n) => n.slice(0, 4)));
  const sortedNames = ix.processNames.map((name, at) => ({ name, at })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { cmdTokenLengths, domainEnds, stemHeads, sortedNames };
}

/**
 * Tokens of a lowercase command line where a catalog fragment may start: a run of word characters (or of
 * dashes then word characters) not preceded by a word character. "/x/.bin/lt --port" gives x, bin, lt, --port.
 */
export function cmdTokens(cmd: string): { token: string; at: number }[] {
  // ASCII command lines (nearly all) take the plain regex: in ASCII \p{L}\p{N}_ is exactly \w
  const ascii = ASCII.test(cmd);
  const token = ascii ? ASCII_TOKEN : UNICODE_TOKEN;
  const out: { token: string; at: number }[] = [];
  token.lastIndex = 0;
  for (let m = token.exec(cmd); m; m = token.exec(cmd)) {
    const at = m.index;
    if (at > 0 && (ascii ? isAsciiWordChar(cmd.charCodeAt(at - 1)) : WORD_CHAR_U.test(cmd[at - 1]!))) continue;
    out.push({ token: m[0], at });
  }
  return out;
}

const NO_TOKENS: { token: string; at: number }[] = [];

/**
 * The tokens of a lowercase command line (cmdTokens) that are keys of byCmdToken, in order. Most command
 * lines hold none; an ASCII one is scanned without building a string for a token whose first character
 * and length no key has.
 */
export function catalogTokens(cmd: string, ix: CatalogIndex): { token: string; at: number }[] {
  if (!ASCII.test(cmd)) return cmdTokens(cmd).filter((t) => ix.byCmdToken.has(t.token));
  const lengths = ix.quick.cmdTokenLengths;
  const n = cmd.length;
  let out: { token: string; at: number }[] | undefined;
  // each turn finds where /-*\w+/g would match next from `i`, as cmdTokens' regex does
  for (let i = 0; i < n; ) {
    let start = -1;
    for (let j = i; j < n; ) {
      const c = cmd.charCodeAt(j);
      if (isAsciiWordChar(c)) {
        start = j;
        break;
      }
      if (c !== 45) {
        j++;
        continue;
      }
      let k = j;
      while (k < n && cmd.charCodeAt(k) === 45) k++;
      if (k < n && isAsciiWordChar(cmd.charCodeAt(k))) {
        start = j;
        break;
      }
      j = k + 1; // no match starts inside the dashes, nor at the character after them
    }
    if (start === -1) break;
    let end = start;
    while (end < n && cmd.charCodeAt(end) === 45) end++;
    while (end < n && isAsciiWordChar(cmd.charCodeAt(end))) end++;
    i = end;
    if (start > 0 && isAsciiWordChar(cmd.charCodeAt(start - 1))) continue;
    if ((lengths[cmd.charCodeAt(start)]! & (1 << Math.min(end - start, 31))) === 0) continue;
    const token = cmd.slice(start, end);
    if (ix.byCmdToken.has(token)) (out ??= []).push({ token, at: start });
  }
  return out ?? NO_TOKENS;
}

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_TOKEN = /-*\w+/g;
const UNICODE_TOKEN = /-*[\p{L}\p{N}_]+/gu;
const WORD_CHAR_U = /[\p{L}\p{N}_]/u;

function isAsciiWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export type { CatalogTool };
