import type { Category } from '../../agent/model.ts';
import { canonicalId, canonicalName, nameKey, slug } from './aliases.ts';
import {
  type Cleaned,
  type ExecOs,
  baseName,
  cleanBundleId,
  cleanDomain,
  cleanExecutable,
  cleanPackage,
  cleanPeName,
  cleanPort,
  cleanReference,
  cleanService,
  cleanSigner,
  isRejection,
  looksLikeBundleId,
  lowerTrim,
  teamIdOf,
} from './normalize.ts';
import { cleanPath, patternsFor } from './paths.ts';
import { DENIED_EXECUTABLES, DENIED_PRODUCT_NAMES } from './deny.ts';
import { normalizeProductName } from '../../agent/catalog/product-name.ts';

// A tool while the importer is still collecting facts about it from several sources. Sets keep the
// merge order-independent; finalize() in build.ts sorts them into the catalog's lists.

export type SourceId = 'lolrmm' | 'rmml' | 'jschell' | 'winget' | 'ratwatch';

export interface Draft {
  id: string;
  name: string;
  /** A curated name (alias table or extras) wins over whatever a source called the tool. */
  nameFixed: boolean;
  category?: Category; // set by the curated tables or extras
  hints: { lolrmmCategory?: string | undefined; text: string[] };
  processes: Record<ExecOs, Set<string>>;
  paths: Set<string>;
  bundleIds: Set<string>;
  packages: Set<string>;
  services: Set<string>;
  domains: Set<string>;
  ports: Set<number>;
  signers: Set<string>;
  teamIds: Set<string>;
  peOriginalFilenames: Set<string>;
  usb: Map<string, { vendorId: string; productId: string; strings: Set<string> }>;
  displayNames: Set<string>;
  settings: Map<string, { key: string; equals: string | number | boolean }>;
  banners: Set<string>;
  scripts: Set<string>;
  productNames: Set<string>;
  commandLines: Set<string>;
  sources: Set<SourceId>;
  references: Set<string>;
}

function emptyDraft(id: string, name: string): Draft {
  return {
    id,
    name,
    nameFixed: false,
    hints: { text: [] },
    processes: { windows: new Set(), darwin: new Set(), linux: new Set() },
    paths: new Set(),
    bundleIds: new Set(),
    packages: new Set(),
    services: new Set(),
    domains: new Set(),
    ports: new Set(),
    signers: new Set(),
    teamIds: new Set(),
    peOriginalFilenames: new Set(),
    usb: new Map(),
    displayNames: new Set(),
    settings: new Map(),
    banners: new Set(),
    scripts: new Set(),
    productNames: new Set(),
    commandLines: new Set(),
    sources: new Set(),
    references: new Set(),
  };
}

export class DraftStore {
  readonly drafts = new Map<string, Draft>();
  private readonly keys = new Map<string, string>(); // name key -> id, so "ISL Online" twice is one tool
  /** "<field>: <reason>" -> how many upstream values were left out for it. */
  readonly dropped = new Map<string, number>();

  /** The draft for a tool a source calls `name` (or explicitly `id`), created on first sight. */
  get(name: string, id?: string): Draft {
    const resolved = id ?? canonicalId(name) ?? this.keys.get(nameKey(name)) ?? slug(name);
    let d = this.drafts.get(resolved);
    if (!d) {
      d = emptyDraft(resolved, canonicalName(resolved) ?? name.trim());
      d.nameFixed = canonicalName(resolved) !== undefined;
      this.drafts.set(resolved, d);
    }
    this.keys.set(nameKey(name), resolved);
    this.keys.set(nameKey(d.name), resolved);
    return d;
  }

  has(id: string): boolean {
    return this.drafts.has(id);
  }

  countDrop(field: string, why: string): void {
    const k = `${field}: ${why}`;
    this.dropped.set(k, (this.dropped.get(k) ?? 0) + 1);
  }
}

/**
 * Adds one source's values to a draft through the cleaners. Upstream values that fail a rule are
 * counted and skipped; in strict mode (hand-curated extras) they are an error, because a curator who
 * writes a generic name wants to be told, not silently ignored.
 */
export class Adder {
  constructor(
    private readonly store: DraftStore,
    readonly draft: Draft,
    private readonly origin: string,
    private readonly strict: boolean,
  ) {}

  private take<T>(field: string, raw: unknown, v: Cleaned<T>): T | undefined {
    if (!isRejection(v)) return v;
    if (this.strict) throw new Error(`${this.origin}: ${field} ${JSON.stringify(raw)} rejected (${v.rejected})`);
    this.store.countDrop(field, v.rejected);
    return undefined;
  }

  exec(raw: unknown, hint?: ExecOs, unixFallback: ExecOs[] = []): void {
    if (typeof raw !== 'string') return;
    const names = this.take('process', raw, cleanExecutable(raw, hint, unixFallback));
    for (const n of names ?? []) this.draft.processes[n.os].add(n.name);
  }

  /** A path: kept as a pattern when specific enough, and its file name as a process when it is a program. */
  path(raw: unknown, unixFallback: ExecOs[] = []): void {
    if (typeof raw !== 'string') return;
    const pp = this.take('path', raw, cleanPath(raw));
    if (pp) for (const p of patternsFor(pp)) this.draft.paths.add(p);
    const base = baseName(raw.trim()).toLowerCase();
    if (!base || base.includes('*')) return;
    if (/\.(exe|msi|app)$/.test(base)) {
      this.exec(base, undefined);
      return;
    }
    // Unix program files live in bin folders or have no extension; config and unit files do not count,
    // nor does anything under a Windows path (its pattern may have been rejected, its form still tells).
    const unix = raw.trim().replace(/\\/g, '/');
    if (/\.[a-z0-9]+$/.test(base) && !base.endsWith('.bin')) return;
    if (pp?.os === 'windows' || /\\|^[a-z]:|%/i.test(raw) || /^\/(etc|var)\//.test(unix) || unix.endsWith('/')) return;
    const os: ExecOs[] = pp?.os ? [pp.os] : [...unixFallback];
    if (pp?.os === 'linux' && unixFallback.includes('darwin') && /^\/usr\/local\/bin\//.test(unix)) os.push('darwin');
    for (const o of os) this.exec(base, o);
  }

  domain(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = this.take('domain', raw, cleanDomain(raw));
    if (v) this.draft.domains.add(v);
  }

  port(raw: unknown): void {
    const v = this.take('port', raw, cleanPort(raw));
    if (v !== undefined) this.draft.ports.add(v);
  }

  /** Authenticode subject, company or Apple authority; a Team ID in it is kept separately, a bundle id moved. */
  signer(raw: unknown): void {
    if (typeof raw !== 'string' || !raw.trim()) return;
    if (looksLikeBundleId(raw)) {
      this.bundleId(raw);
      return;
    }
    const team = teamIdOf(raw);
    if (team) this.draft.teamIds.add(team);
    const v = this.take('signer', raw, cleanSigner(raw));
    if (v) this.draft.signers.add(v);
  }

  teamId(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = raw.trim().toUpperCase();
    if (!/^[A-Z0-9]{10}$/.test(v)) this.take('teamId', raw, { rejected: 'not a Team ID' });
    else this.draft.teamIds.add(v);
  }

  bundleId(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = this.take('bundleId', raw, cleanBundleId(raw));
    if (v) this.draft.bundleIds.add(v);
  }

  pe(raw: unknown): void {
    if (typeof raw !== 'string' || !raw.trim()) return;
    const v = this.take('peOriginalFilename', raw, cleanPeName(raw));
    if (v) this.draft.peOriginalFilenames.add(v);
  }

  pkg(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = this.take('package', raw, cleanPackage(raw));
    if (v) this.draft.packages.add(v);
  }

  service(raw: unknown): void {
    if (typeof raw !== 'string' || !raw.trim()) return;
    const v = this.take('service', raw, cleanService(raw));
    if (v) this.draft.services.add(v);
  }

  reference(raw: unknown): void {
    if (typeof raw !== 'string' || !raw.trim()) return;
    const v = this.take('reference', raw, cleanReference(raw));
    if (v) this.draft.references.add(v);
  }

  displayName(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = lowerTrim(raw);
    if (v.length < 4) this.take('displayName', raw, { rejected: 'too short' });
    else this.draft.displayNames.add(v);
  }

  banner(raw: unknown): void {
    // Banners are byte prefixes: trailing spaces matter ("rfb "), so only case is normalized.
    if (typeof raw !== 'string' || raw.length < 3) {
      this.take('banner', raw, { rejected: 'too short' });
      return;
    }
    this.draft.banners.add(raw.toLowerCase());
  }

  /** Script or package name of an interpreted server, e.g. "websockify", "pagekite.py", "meshcentral". */
  script(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = lowerTrim(raw);
    if (v.length < 3 || /[/\\*\s]/.test(v)) this.take('script', raw, { rejected: 'not a script basename of 3+ characters' });
    else if (DENIED_EXECUTABLES.has(v.replace(/\.(py|js|pl|rb|sh)$/, ''))) this.take('script', raw, { rejected: 'generic name' });
    else this.draft.scripts.add(v);
  }

  /** A product name in normal form; one that normalises to a generic word is refused. */
  productName(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = normalizeProductName(raw);
    if (v.replace(/[^\p{L}\p{N}]/gu, '').length < 4) this.take('productName', raw, { rejected: 'shorter than 4 letters once normalised' });
    else if (v !== lowerTrim(raw)) this.take('productName', raw, { rejected: `not in normal form (would be "${v}")` });
    else if (DENIED_EXECUTABLES.has(v) || DENIED_PRODUCT_NAMES.has(v))
      this.take('productName', raw, { rejected: 'generic or everyday product name' });
    else this.draft.productNames.add(v);
  }

  /** Command-line words specific to the tool; at least one option or two words, so a bare word cannot match. */
  commandLine(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const v = lowerTrim(raw).replace(/\s+/g, ' ');
    if (v.length < 6 || !(/(^| )--?[a-z]/.test(v) || v.includes(' '))) {
      this.take('commandLine', raw, { rejected: 'needs an option or two words, 6+ characters' });
    } else this.draft.commandLines.add(v);
  }

  usb(vendorId: unknown, productId: unknown, strings: unknown): void {
    const hex = /^[0-9a-f]{4}$/;
    const v = typeof vendorId === 'string' ? vendorId.toLowerCase().replace(/^0x/, '') : '';
    const p = typeof productId === 'string' ? productId.toLowerCase().replace(/^0x/, '') : '';
    if (!hex.test(v) || !hex.test(p)) {
      this.take('usb', { vendorId, productId }, { rejected: 'ids must be 4 hex digits' });
      return;
    }
    const list = Array.isArray(strings) ? strings : [];
    if (!list.every((s) => typeof s === 'string' && s.trim().length >= 3)) {
      this.take('usb.strings', strings, { rejected: 'must be strings of 3+ characters' });
      return;
    }
    const key = `${v}:${p}`;
    const entry = this.draft.usb.get(key) ?? { vendorId: v, productId: p, strings: new Set<string>() };
    for (const s of list as string[]) entry.strings.add(s.trim().toLowerCase());
    this.draft.usb.set(key, entry);
  }

  setting(key: unknown, equals: unknown): void {
    if (typeof key !== 'string' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(key)) {
      this.take('setting.key', key, { rejected: 'not a setting key' });
      return;
    }
    if (!['string', 'number', 'boolean'].includes(typeof equals)) {
      this.take('setting.equals', equals, { rejected: 'must be a string, number or boolean' });
      return;
    }
    const e = equals as string | number | boolean;
    this.draft.settings.set(`${key}=${String(e)}`, { key, equals: e });
  }
}
