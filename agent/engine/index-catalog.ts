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
  paths: { re: RegExp; tool: CatalogTool }[];
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
}

/** Lowercase, no trailing ".exe"/".app": "AnyDesk.exe", "anydesk" and "AnyDesk.app" are one name. */
export function normName(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/\.(exe|app)$/, '');
}

/** Normalizes an installed-program title: "TeamViewer 15 (x64)" and "TeamViewer" are one product. */
export function normTitle(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/\((x64|x86|64-bit|32-bit|per-user|machine-wide)\)/g, ' ')
      // per-instance suffixes such as ScreenConnect's "ScreenConnect Client (4b9e2f7a1c3d5e60)"
      .replace(/\([0-9a-f]{8,}\)/g, ' ')
      .replace(/\bv?\d+(\.\d+)*\b/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * A path pattern that checks its fixed text before running the regex: 447 patterns against every path
 * of a scan, and nearly every path fails on a plain string comparison long before the regex would.
 */
class PathPattern extends RegExp {
  private readonly head: string;
  private readonly tail: string;
  private readonly longest: string;

  constructor(folded: string, source: string) {
    super(source);
    const parts = folded.split('*');
    this.head = parts[0];
    this.tail = parts.length > 1 ? parts[parts.length - 1] : '';
    this.longest = parts.reduce((a, b) => (b.length > a.length ? b : a), '');
  }

  override test(s: string): boolean {
    if (!s.startsWith(this.head) || !s.endsWith(this.tail) || !s.includes(this.longest)) return false;
    return super.test(s);
  }
}

/** Catalog path patterns use "*" as the only wildcard and "/" as separator; Windows paths are folded to match. */
export function pathPattern(p: string): RegExp {
  const folded = p.toLowerCase().replace(/\\/g, '/');
  const esc = folded.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new PathPattern(folded, `^${esc}$`);
}

/**
 * Finds the catalog path patterns worth testing against a path without trying all of them. Nearly every
 * pattern holds a whole literal path component ("*\/program files*\/remotepc/*" holds "remotepc"), which
 * only a path with that very component can match, so patterns are filed under their rarest such component
 * and a path looks up its own components. The few without one are tried on every path. Candidates come
 * back in catalog order, the order the engine always tried them in.
 */
export class PathIndex {
  private readonly byComponent = new Map<string, number[]>();
  private readonly always: number[] = [];

  constructor(
    readonly patterns: readonly { re: RegExp; tool: CatalogTool }[],
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
        const list = this.byComponent.get(key);
        if (list) list.push(i);
        else this.byComponent.set(key, [i]);
      }
    });
  }

  /** Patterns that match `folded` (lowercase, forward slashes), in catalog order. */
  matches(folded: string): { re: RegExp; tool: CatalogTool }[] {
    let picked: number[] | undefined;
    for (const c of folded.split('/')) {
      const list = this.byComponent.get(c);
      if (list) (picked ??= []).push(...list);
    }
    const idx = picked ? [...new Set([...picked, ...this.always])].sort((a, b) => a - b) : this.always;
    const out: { re: RegExp; tool: CatalogTool }[] = [];
    for (const i of idx) if (this.patterns[i].re.test(folded)) out.push(this.patterns[i]);
    return out;
  }
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
  cache.set(catalog, ix);
  return ix;
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

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_TOKEN = /-*\w+/g;
const UNICODE_TOKEN = /-*[\p{L}\p{N}_]+/gu;
const WORD_CHAR_U = /[\p{L}\p{N}_]/u;

function isAsciiWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export type { CatalogTool };
