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
  signers: { signer: string; tool: CatalogTool }[];
  paths: { re: RegExp; tool: CatalogTool }[];
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
  return s.trim().toLowerCase().replace(/\.(exe|app)$/, '');
}

/** Normalizes an installed-program title: "TeamViewer 15 (x64)" and "TeamViewer" are one product. */
export function normTitle(s: string): string {
  return s
    .toLowerCase()
    .replace(/\((x64|x86|64-bit|32-bit|per-user|machine-wide)\)/g, ' ')
    // per-instance suffixes such as ScreenConnect's "ScreenConnect Client (4b9e2f7a1c3d5e60)"
    .replace(/\([0-9a-f]{8,}\)/g, ' ')
    .replace(/\bv?\d+(\.\d+)*\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
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
    byProcess: new Map(), processNames: [], byPackage: new Map(), byBundleId: new Map(), byService: new Map(),
    servicePrefixes: [], byPeName: new Map(), byTeamId: new Map(), byToolName: new Map(), byUsb: new Map(),
    byDisplayName: new Map(), bySetting: new Map(), banners: [], signers: [], paths: [], byDomain: new Map(),
    byScript: new Map(), byProductName: new Map(), bySigner: new Map(), byServiceRun: new Map(), byCmdToken: new Map(),
  };
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
    for (const s of t.signers) ix.signers.push({ signer: s.toLowerCase(), tool: t });
    for (const p of t.paths) ix.paths.push({ re: pathPattern(p), tool: t });
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
  cache.set(catalog, ix);
  return ix;
}

/**
 * Tokens of a lowercase command line where a catalog fragment may start: a run of word characters (or of
 * dashes then word characters) not preceded by a word character. "/x/.bin/lt --port" gives x, bin, lt, --port.
 */
export function cmdTokens(cmd: string): { token: string; at: number }[] {
  const out: { token: string; at: number }[] = [];
  for (const m of cmd.matchAll(/-*[\p{L}\p{N}_]+/gu)) {
    const at = m.index ?? 0;
    if (at > 0 && /[\p{L}\p{N}_]/u.test(cmd[at - 1]!)) continue;
    out.push({ token: m[0], at });
  }
  return out;
}

export type { CatalogTool };
