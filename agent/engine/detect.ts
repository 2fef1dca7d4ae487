import { createHash } from 'node:crypto';
import type { Catalog, CatalogTool } from '../catalog/types.ts';
import type { Evidence, Finding, Inventory, OsName, ProcessEvidence, Severity, SocketInfo } from '../model.ts';
import {
  bannerEvidence,
  deviceEvidence,
  evidenceKey,
  findingState,
  packageEvidence,
  processEvidence,
  serviceEvidence,
  settingEvidence,
  socketEvidence,
} from './evidence.ts';
import { catalogTokens, indexCatalog, normName, normTitle, type CatalogIndex } from './index-catalog.ts';
import { executableStem, nameWords, normSigner, normalizeProductName } from './names.ts';
import { EVERYDAY_PRODUCT_NAMES, WEAK_COMMAND_LINES } from './everyday.ts';
import { clean, compareCodeUnits } from '../text.ts';
import { EVIDENCE_MAX, BROAD_SIGNERS, BROAD_TEAM_IDS, DEFAULT_SEVERITY, SHIPS_WITH_OS, TECHNIQUES } from './rules.ts';

// The detection engine: inventory in, findings out. Pure (no I/O, no clock, no OS knowledge), so a saved
// inventory from any laptop gives the same findings here as on the laptop itself.
//
// Evidence is either strong (it names the tool by itself: an executable name, package, bundle id, PE
// OriginalFilename, USB id...) or corroborating (a signer, a Team ID or a listening port, which big vendors
// share across products). A tool becomes a finding only with at least one strong piece of evidence.

interface Hit {
  tool: CatalogTool;
  evidence: Map<string, Evidence>; // by evidenceKey, in the order first seen
}

// Process matches, best first: a deterministic order to decide which tool a shared process belongs to
const PROCESS_RANK: ProcessEvidence['matchedBy'][] = [
  'name',
  'script',
  'hash',
  'build-id',
  'pe-metadata',
  'name-variant',
  'cmdline',
  'bundle-id',
  'team-id',
  'signer',
  'banner',
  'path',
];

/** Presence a built-in tool has on every machine proves nothing for it (see SHIPS_WITH_OS). */
function presenceOnly(e: Evidence): boolean {
  return e.type === 'package' || e.type === 'service' || (e.type === 'process' && e.matchedBy === 'path');
}

class Hits {
  readonly byTool = new Map<string, Hit>();

  add(tool: CatalogTool, ev: Evidence): void {
    let h = this.byTool.get(tool.id);
    if (!h) this.byTool.set(tool.id, (h = { tool, evidence: new Map() }));
    if (SHIPS_WITH_OS.has(tool.category) && presenceOnly(ev)) ev = { ...ev, strength: 'corroborating' };
    const key = evidenceKey(ev);
    const had = h.evidence.get(key);
    if (!had) {
      h.evidence.set(key, ev);
      return;
    }
    // One item per process: keep the stronger, better-ranked match and what each match learned
    // Stryker disable next-line LogicalOperator: items of one key are of one type, so both are processes or neither
    if (had.type === 'process' && ev.type === 'process') {
      const better =
        (ev.strength === 'strong' && had.strength !== 'strong') ||
        (ev.strength === had.strength && PROCESS_RANK.indexOf(ev.matchedBy) < PROCESS_RANK.indexOf(had.matchedBy));
      const merged: ProcessEvidence = better ? { ...ev } : { ...had };
      if (had.renamed || ev.renamed) merged.renamed = true;
      const copyOf = had.copyOf ?? ev.copyOf;
      if (copyOf) merged.copyOf = copyOf;
      h.evidence.set(key, merged);
    } else if (ev.strength === 'strong' && had.strength !== 'strong') {
      h.evidence.set(key, ev);
    }
  }
}

function strongCount(h: Hit): number {
  let n = 0;
  for (const e of h.evidence.values()) if (e.strength === 'strong') n++;
  return n;
}

/**
 * One program, one finding. Catalog entries overlap (TightVNC's tvnserver.exe and folder are listed under
 * TigerVNC too; Tactical RMM runs MeshCentral's meshagent), so one process, package or service can be
 * strong evidence for several tools. Each such item goes to one tool only, chosen in this order: the best
 * process match (PROCESS_RANK: by name before by hash ... before by install folder), then the tool whose
 * catalog lists the name for this host's OS, then the tool with more strong evidence overall, then the
 * lower tool id. The others lose the item; a tool left without strong evidence is no finding.
 */
function oneToolPerProgram(hits: Hits, os: OsName): void {
  const owners = new Map<string, Hit[]>();
  for (const h of hits.byTool.values()) {
    for (const [k, e] of h.evidence) {
      if (e.strength !== 'strong' || !(e.type === 'process' || e.type === 'package' || e.type === 'service')) continue;
      const list = owners.get(k) ?? [];
      list.push(h);
      owners.set(k, list);
    }
  }
  const counts = new Map([...hits.byTool.values()].map((h) => [h.tool.id, strongCount(h)]));
  const rank = (h: Hit, k: string): number[] => {
    const e = h.evidence.get(k)!;
    const byName = e.type === 'process' ? PROCESS_RANK.indexOf(e.matchedBy) : 0;
    const listed = e.type === 'process' && h.tool.processes[os].some((n) => normName(n) === normName(e.name)) ? 0 : 1;
    return [byName, listed, -(counts.get(h.tool.id) ?? 0)];
  };
  // Stryker disable next-line MethodExpression: each item is decided alone on counts taken before, so the order items are decided in changes nothing
  for (const k of [...owners.keys()].sort()) {
    const list = owners.get(k)!;
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => {
      const ra = rank(a, k);
      const rb = rank(b, k);
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
      return compareCodeUnits(a.tool.id, b.tool.id);
    });
    for (const loser of sorted.slice(1)) loser.evidence.delete(k);
  }
}

/** A path as catalog patterns spell it: lowercase, forward slashes. */
function foldPath(p: string): string {
  const lower = p.toLowerCase();
  return lower.includes('\\') ? lower.replace(/\\/g, '/') : lower;
}

function basename(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

// Linux reports at most 15 characters of a process name (TASK_COMM_LEN - 1)
const COMM_LEN = 15;

export function toolsForName(ix: CatalogIndex, raw: string, os: Inventory['host']['os']): CatalogTool[] {
  const n = normName(raw);
  if (!n) return NONE;
  const exact = ix.byProcess.get(n);
  if (exact) return exact;
  if (os === 'linux' && raw.length === COMM_LEN) return toolsForPrefix(ix, n);
  return NONE;
}

const NONE: CatalogTool[] = [];

/** Tools of every process name that starts with `n`, in processNames order (binary search over the sorted names). */
function toolsForPrefix(ix: CatalogIndex, n: string): CatalogTool[] {
  const sorted = ix.quick.sortedNames;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.name < n) lo = mid + 1;
    else hi = mid;
  }
  // Stryker disable next-line ArrayDeclaration: a string in the list is no index of processNames, so it names no tool
  const at: number[] = [];
  for (let i = lo; i < sorted.length && sorted[i]!.name.startsWith(n); i++) at.push(sorted[i]!.at);
  if (at.length === 0) return NONE;
  // Stryker disable next-line ArrayDeclaration: every name in processNames is a key of byProcess
  return at.sort((a, b) => a - b).flatMap((i) => ix.byProcess.get(ix.processNames[i]!) ?? []);
}

/** Tools whose executable is this name plus build words: "AnyDeskMSI.exe", "radmin3.exe", "frpc-windows-amd64". */
export function toolsForVariant(ix: CatalogIndex, raw: string): CatalogTool[] {
  const name = basename(raw);
  // the stem is a prefix of the trimmed lowercase name, 4 characters or more: its first 4 must start a process name
  const head = name.trim().toLowerCase().slice(0, 4);
  if (!ix.quick.stemHeads.has(head)) return NONE;
  const stem = executableStem(name);
  return stem ? (ix.byProcess.get(stem) ?? NONE) : NONE;
}

/** Tools an interpreter's script names: its name as invoked, its package, its file's basename (with or without .js/.py). */
function toolsForScript(ix: CatalogIndex, name: string | undefined): CatalogTool[] {
  if (!name) return [];
  const n = basename(name).trim().toLowerCase();
  return ix.byScript.get(n) ?? ix.byScript.get(n.replace(/\.(js|cjs|mjs|py|pl|rb)$/, '')) ?? [];
}

/**
 * Tools whose normalised product name is the longest word prefix of this name's: "Radmin Server 3.5.2" is
 * "radmin server", "TeamViewer Host (x64)" is "teamviewer host". A name that starts like everyday software
 * ("Microsoft Remote Desktop", "Cisco Secure Client") is never matched.
 */
export function toolsForProduct(ix: CatalogIndex, raw: string | undefined): CatalogTool[] {
  if (!raw) return [];
  const n = normalizeProductName(raw.slice(0, 256));
  if (!n) return [];
  const words = n.split(' ').slice(0, 12);
  for (let k = 1; k <= words.length; k++) if (EVERYDAY_PRODUCT_NAMES.has(words.slice(0, k).join(' '))) return [];
  for (let k = words.length; k >= 1; k--) {
    const tools = ix.byProductName.get(words.slice(0, k).join(' '));
    if (tools) return tools;
  }
  return [];
}

/** Tools a signer or company name belongs to, whatever its legal form, punctuation or word order; broad vendors flagged. */
function toolsForSigner(ix: CatalogIndex, raw: string): { tools: CatalogTool[]; broad: boolean } {
  const s = raw.toLowerCase();
  return { tools: ix.bySigner.get(normSigner(raw)) ?? [], broad: BROAD_SIGNERS.some((b) => s.includes(b)) };
}

function matchProcesses(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  // Reference copies the collectors fingerprinted: a hash or build-id names the tool whatever the file is called.
  const refBy = new Map<string, { tools: CatalogTool[]; path: string; by: 'hash' | 'build-id' }>();
  for (const f of inv.files) {
    const tools = [...new Set([...toolsForName(ix, basename(f.path), inv.host.os), ...toolsForScript(ix, f.path)])];
    if (!tools.length) continue;
    if (f.identity.sha256) refBy.set(`sha256:${f.identity.sha256}`, { tools, path: f.path, by: 'hash' });
    if (f.identity.elfBuildId) refBy.set(`buildid:${f.identity.elfBuildId}`, { tools, path: f.path, by: 'build-id' });
  }

  const os = inv.host.os;
  for (const p of inv.processes) {
    // the tools this process runs as by name; most processes name none, so the set is made when one does
    let byName: Set<CatalogTool> | undefined;
    for (const t of toolsForName(ix, p.name, os)) (byName ??= new Set()).add(t);
    if (p.exe) for (const t of toolsForName(ix, basename(p.exe), os)) (byName ??= new Set()).add(t);
    for (const t of byName ?? NONE) hits.add(t, processEvidence(p, 'name', 'strong'));
    // An interpreted server (python3.11 running /usr/bin/xpra, node running localtunnel's lt.js) is its script
    if (p.script) {
      const sc = p.script;
      const byScript = new Set([...toolsForScript(ix, sc.name), ...toolsForScript(ix, sc.package), ...toolsForScript(ix, sc.path)]);
      for (const t of byScript) {
        (byName ??= new Set()).add(t);
        hits.add(t, processEvidence(p, 'script', 'strong'));
      }
      const ref = sc.identity?.sha256 ? refBy.get(`sha256:${sc.identity.sha256}`) : undefined;
      if (ref && ref.path !== sc.path) {
        for (const t of ref.tools)
          if (!byScript.has(t)) hits.add(t, processEvidence(p, 'script', 'strong', { renamed: true, copyOf: ref.path }));
      }
    }
    if (!byName?.size) {
      for (const n of [p.name, p.exe])
        for (const t of n ? toolsForVariant(ix, n) : NONE) {
          (byName ??= new Set()).add(t);
          hits.add(t, processEvidence(p, 'name-variant', 'strong'));
        }
    }
    const id = p.identity;
    if (p.exe) {
      for (const { tool } of ix.pathIndex.matches(foldPath(p.exe))) hits.add(tool, processEvidence(p, 'path', 'strong'));
    }
    if (!id) continue;
    const renamed = (t: CatalogTool) => !byName?.has(t);
    for (const key of [id.sha256 && `sha256:${id.sha256}`, id.elfBuildId && `buildid:${id.elfBuildId}`]) {
      const ref = key ? refBy.get(key) : undefined;
      if (!ref || ref.path === p.exe) continue;
      for (const t of ref.tools) {
        if (renamed(t)) hits.add(t, processEvidence(p, ref.by, 'strong', { renamed: true, copyOf: ref.path }));
      }
    }
    if (id.pe?.originalFilename) {
      for (const t of ix.byPeName.get(normName(id.pe.originalFilename)) ?? ix.byProcess.get(normName(id.pe.originalFilename)) ?? []) {
        hits.add(t, processEvidence(p, 'pe-metadata', 'strong', { renamed: renamed(t) }));
      }
    }
    // The rest of the version resource: a renamed binary whose ProductName says AnyDesk is AnyDesk
    if (id.pe) {
      for (const t of new Set([...toolsForProduct(ix, id.pe.productName), ...toolsForProduct(ix, id.pe.fileDescription)])) {
        hits.add(t, processEvidence(p, 'pe-metadata', 'strong', { renamed: renamed(t) }));
      }
      // A broad vendor (BROAD_SIGNERS, BROAD_TEAM_IDS; here and below) names no program; on the tool's own
      // program, matched by name, it would only corroborate the strong item the name match made, so it adds nothing
      if (id.pe.companyName) {
        const { tools, broad } = toolsForSigner(ix, id.pe.companyName);
        if (!broad) for (const t of tools) hits.add(t, processEvidence(p, 'pe-metadata', 'strong', { renamed: renamed(t) }));
      }
    }
    if (id.bundleId) {
      for (const t of ix.byBundleId.get(id.bundleId.toLowerCase()) ?? []) {
        hits.add(t, processEvidence(p, 'bundle-id', 'strong', { renamed: renamed(t) }));
      }
    }
    if (id.teamId) {
      const teamId = id.teamId.toUpperCase();
      if (!BROAD_TEAM_IDS.has(teamId)) for (const t of ix.byTeamId.get(teamId) ?? []) hits.add(t, processEvidence(p, 'team-id', 'strong'));
    }
    if (id.signer) {
      const { tools, broad } = toolsForSigner(ix, id.signer);
      if (!broad) for (const tool of tools) hits.add(tool, processEvidence(p, 'signer', 'strong'));
    }
  }
}

// Host names in a command line: "ssh -R 80:localhost:22 serveo.net", "frpc -s relay.example" ... Labels
// of 1 to 63 characters (RFC 1035).
const HOSTNAME = /[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+/g;

/**
 * Whether a lowercase command line can hold a host name under a catalog domain: such a host ends with the
 * domain's last label ("com"), after a dot and before a character no label goes on with. Exact, and
 * cheaper than finding every host name in a long command line that mentions none.
 */
function mayNameDomain(cmd: string, ix: CatalogIndex): boolean {
  const ends = ix.quick.domainEnds;
  for (let dot = cmd.indexOf('.'); dot !== -1; dot = cmd.indexOf('.', dot + 1)) {
    // Stryker disable next-line StringLiteral: ends are filed under one character, so any longer key finds none, as the empty one does
    const list = ends.get(cmd[dot + 1] ?? '');
    if (!list) continue;
    for (const end of list) {
      if (!cmd.startsWith(end, dot + 1)) continue;
      // HOSTNAME's labels are greedy: a short last label is never followed by a letter or digit
      const next = cmd.charCodeAt(dot + 1 + end.length);
      if (end.length >= 63 || !((next >= 97 && next <= 122) || (next >= 48 && next <= 57))) return true;
    }
  }
  // Stryker disable next-line BooleanLiteral: a quick refusal only: a command line let through is searched exactly by catalogHosts
  return false;
}

/** The catalog domains a host name falls under: itself or any parent domain. */
function toolsForHost(ix: CatalogIndex, host: string): { domain: string; tools: CatalogTool[] }[] {
  const out: { domain: string; tools: CatalogTool[] }[] = [];
  for (let d = host; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
    const tools = ix.byDomain.get(d);
    if (tools) out.push({ domain: d, tools });
  }
  return out;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Whether the tool's own name (id, executable or script stem) appears in a lowercase command line. */
function namesTool(cmd: string, t: CatalogTool): boolean {
  const names = [t.id.split('-')[0]!, ...t.scripts, ...t.processes.windows, ...t.processes.darwin, ...t.processes.linux];
  return names.some((n) => n.length >= 3 && cmd.includes(normName(n).replace(/\.(js|py)$/, '')));
}

/**
 * Tool-specific arguments anywhere in the whole command line, starting at a word boundary and ending at one
 * ("cloudflared tunnel run --token ...", "--meshServiceName"). One pass over the command line's tokens, each
 * looked up by its first token in the catalog index. Fragments everyday tools share (WEAK_COMMAND_LINES) count
 * only next to the tool's own name.
 */
function matchCmdlineFragments(p: Inventory['processes'][number], cmd: string, ix: CatalogIndex, hits: Hits): void {
  const seen = new Set<CatalogTool>();
  for (const { token, at } of catalogTokens(cmd, ix)) {
    // Stryker disable next-line ArrayDeclaration: catalogTokens gives only tokens that are keys of byCmdToken
    for (const { fragment, tool } of ix.byCmdToken.get(token) ?? []) {
      if (seen.has(tool) || !cmd.startsWith(fragment, at)) continue;
      const end = at + fragment.length;
      if (WORD_CHAR.test(fragment.at(-1)!) && end < cmd.length && WORD_CHAR.test(cmd[end]!)) continue;
      if (WEAK_COMMAND_LINES.has(fragment) && !namesTool(cmd, tool)) continue;
      seen.add(tool);
      hits.add(tool, processEvidence(p, 'cmdline', 'strong'));
    }
  }
}

/** Host names in a lowercase command line that fall under catalog domains, each with the domains it falls under. */
export function catalogHosts(cmd: string, ix: CatalogIndex): { host: string; domains: { domain: string; tools: CatalogTool[] }[] }[] {
  if (!mayNameDomain(cmd, ix)) return [];
  const out: { host: string; domains: { domain: string; tools: CatalogTool[] }[] }[] = [];
  // Stryker disable next-line ArrayDeclaration: the array replacing a failed match holds no host name (no dot), so it names no domain
  for (const host of new Set(cmd.match(HOSTNAME) ?? [])) {
    const domains = toolsForHost(ix, host);
    if (domains.length > 0) out.push({ host, domains });
  }
  return out;
}

function matchCmdlines(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const p of inv.processes) {
    if (!p.cmdline) continue;
    const cmd = p.cmdline.toLowerCase();
    matchCmdlineFragments(p, cmd, ix, hits);
    for (const { host, domains } of catalogHosts(cmd, ix)) {
      for (const { domain, tools } of domains) {
        for (const t of tools) {
          hits.add(t, {
            type: 'cmdline-domain',
            strength: 'strong',
            pid: p.pid,
            process: clean(p.name, EVIDENCE_MAX),
            host: clean(host, 256),
            domain: clean(domain, 256),
          });
        }
      }
    }
  }
}

function matchPackages(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const pkg of inv.packages) {
    const title = normTitle(pkg.name);
    const tools = new Set<CatalogTool>(ix.byPackage.get(title) ?? ix.byPackage.get(pkg.name.toLowerCase()) ?? []);
    // Uninstall entries and .app bundles carry the product's display name, which is the tool's name
    if (pkg.source === 'uninstall' || pkg.source === 'app') for (const t of ix.byToolName.get(title) ?? []) tools.add(t);
    if (pkg.bundleId) for (const t of ix.byBundleId.get(pkg.bundleId.toLowerCase()) ?? []) tools.add(t);
    if (pkg.exec) for (const t of toolsForName(ix, basename(pkg.exec), inv.host.os)) tools.add(t);
    if (pkg.source === 'app' && pkg.path) for (const t of toolsForName(ix, basename(pkg.path), inv.host.os)) tools.add(t);
    // Display names differ slightly from the catalog's: "Radmin Server 3.5.2", "TeamViewer Host (x64)"
    if (pkg.source === 'uninstall' || pkg.source === 'app' || pkg.source === 'desktop')
      for (const t of toolsForProduct(ix, pkg.name)) tools.add(t);
    if (pkg.exec && tools.size === 0) for (const t of toolsForVariant(ix, pkg.exec)) tools.add(t);
    for (const t of tools) hits.add(t, packageEvidence(pkg, 'strong'));
    // The publisher is the vendor, and vendors ship viewers too: it only corroborates
    if (pkg.publisher) {
      const { tools: vendorTools, broad } = toolsForSigner(ix, pkg.publisher);
      if (!broad) for (const t of vendorTools) hits.add(t, packageEvidence(pkg, 'corroborating'));
    }
    if (pkg.identity?.teamId) {
      const broad = BROAD_TEAM_IDS.has(pkg.identity.teamId.toUpperCase());
      for (const t of ix.byTeamId.get(pkg.identity.teamId.toUpperCase()) ?? [])
        hits.add(t, packageEvidence(pkg, broad ? 'corroborating' : 'strong'));
    }
  }
}

/**
 * Catalog service names found as a run of whole words inside a service or display name: "AmmyyAdmin",
 * "Ammyy Admin Service" and "ammyy_admin" all hold "ammyy admin". Only distinctive names (SERVICE_RUN_MIN
 * characters, not a generic word) are indexed for this.
 */
function serviceRuns(ix: CatalogIndex, raw: string): CatalogTool[] {
  const words = nameWords(raw).slice(0, 16);
  const out = new Set<CatalogTool>();
  for (let i = 0; i < words.length; i++) {
    let run = '';
    for (let j = i; j < words.length && j < i + 6; j++) {
      run += words[j];
      for (const t of ix.byServiceRun.get(run) ?? []) out.add(t);
    }
  }
  return [...out];
}

function matchServices(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const s of inv.services) {
    const name = s.name.toLowerCase().replace(/\.service$/, '');
    const tools = new Set<CatalogTool>(ix.byService.get(name) ?? []);
    for (const { prefix, tool } of ix.servicePrefixes) if (name.startsWith(prefix)) tools.add(tool);
    if (s.path) for (const t of toolsForName(ix, basename(s.path), inv.host.os)) tools.add(t);
    if (tools.size === 0) {
      for (const t of toolsForProduct(ix, s.displayName)) tools.add(t);
      for (const t of serviceRuns(ix, s.name)) tools.add(t);
      if (s.displayName) for (const t of serviceRuns(ix, s.displayName)) tools.add(t);
      if (s.path) for (const t of toolsForVariant(ix, s.path)) tools.add(t);
    }
    if (s.path) {
      for (const { tool } of ix.pathIndex.matches(foldPath(s.path))) tools.add(tool);
    }
    for (const t of tools) hits.add(t, serviceEvidence(s, 'strong'));
  }
}

/** The tools a socket's owner stands for: a process already tied to a tool, or a process name of a tool. */
function ownersOf(so: SocketInfo, hits: Hits, ix: CatalogIndex, os: OsName): Hit[] {
  // Stryker disable next-line ArrayDeclaration: an array of no tool
  const named = so.process ? toolsForName(ix, so.process, os) : [];
  return [...hits.byTool.values()].filter((h) => {
    if (![...h.evidence.values()].some((e) => e.strength === 'strong')) return false;
    const owned = so.pid !== undefined && [...h.evidence.values()].some((e) => e.type === 'process' && e.pid === so.pid);
    return owned || named.includes(h.tool);
  });
}

// Runs after every other matcher, so the owners of sockets are known. A socket names a tool only through its
// owner; the port is corroboration (ports are shared). A banner (e.g. "RFB 003.008", or a silent listener's
// recognised reply such as "rdp: negotiation response, ...") belongs to the tool whose process owns the socket,
// as corroboration; only a banner nobody owns names a tool by itself: a tool it matches that is already found
// (Windows RDP switched on, now seen answering), else the tools it matches, the generic protocol tool rather
// than a built-in one (an RDP answer on Linux is not Windows Remote Desktop).
function matchSockets(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  let byPid: Map<number, Inventory['processes'][number]> | undefined; // only a banner nobody owns needs it
  const isFound = (t: CatalogTool) => [...(hits.byTool.get(t.id)?.evidence.values() ?? [])].some((e) => e.strength === 'strong');
  for (const so of inv.sockets) {
    const owners = ownersOf(so, hits, ix, inv.host.os);
    const said = so.reply ?? so.banner;
    for (const h of owners) {
      hits.add(h.tool, socketEvidence(so, 'corroborating'));
      if (said) hits.add(h.tool, bannerEvidence({ ...so, banner: said }, 'corroborating'));
    }
    if (said && owners.length === 0) {
      const b = said.toLowerCase();
      const matching = [...new Set(ix.banners.filter(({ prefix }) => b.startsWith(prefix)).map((x) => x.tool))];
      const found = matching.filter(isFound);
      const generic = matching.filter((t) => t.category !== 'builtin-remote');
      const named = found.length > 0 ? found : generic.length > 0 ? generic : matching;
      // The server answering is running: its process joins the finding (an sshd, a VNC server under any name)
      byPid ??= new Map(inv.processes.map((p) => [p.pid, p]));
      const owner = so.pid === undefined ? undefined : byPid.get(so.pid);
      for (const tool of named) {
        hits.add(tool, bannerEvidence({ ...so, banner: said }, 'strong'));
        if (owner) hits.add(tool, processEvidence(owner, 'banner', 'strong'));
      }
    }
  }
}

function matchDevices(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const d of inv.devices) {
    const desc = [d.manufacturer, d.product, d.name].filter(Boolean).join(' ');
    if (d.vendorId && d.productId) {
      const key = `${d.vendorId.toLowerCase()}:${d.productId.toLowerCase()}`;
      for (const t of ix.byUsb.get(key) ?? []) {
        const rules = t.usb.filter((u) => `${u.vendorId}:${u.productId}`.toLowerCase() === key);
        const text = desc.toLowerCase();
        if (rules.some((u) => u.strings.length === 0 || u.strings.some((s) => text.includes(s.toLowerCase())))) {
          hits.add(t, deviceEvidence(d, 'usb-id', 'strong'));
        }
      }
    }
    if (d.name) {
      for (const t of ix.byDisplayName.get(d.name.trim().toLowerCase()) ?? []) hits.add(t, deviceEvidence(d, 'display-name', 'strong'));
    }
  }
}

function matchSettings(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const s of inv.settings) {
    // Stryker disable next-line ArrayDeclaration: a string has no "equals", and a setting always has a value, so it equals nothing
    for (const { tool, equals } of ix.bySetting.get(s.key) ?? []) {
      if (s.value === equals) hits.add(tool, settingEvidence(s, 'strong'));
    }
  }
}

export function findingId(toolId: string): string {
  return createHash('sha256').update(`ratwatch/${toolId}`).digest('hex').slice(0, 16);
}

export function detect(inv: Inventory, catalog: Catalog): Finding[] {
  const ix = indexCatalog(catalog);
  const hits = new Hits();
  matchProcesses(inv, ix, hits);
  matchCmdlines(inv, ix, hits);
  matchPackages(inv, ix, hits);
  matchServices(inv, ix, hits);
  matchDevices(inv, ix, hits);
  matchSettings(inv, ix, hits);
  oneToolPerProgram(hits, inv.host.os);
  matchSockets(inv, ix, hits);
  const findings: Finding[] = [];
  for (const h of hits.byTool.values()) {
    const all = [...h.evidence.values()];
    if (!all.some((e) => e.strength === 'strong')) continue;
    const severity: Severity = DEFAULT_SEVERITY[h.tool.category];
    const evidence = [...all.filter((e) => e.strength === 'strong'), ...all.filter((e) => e.strength !== 'strong')];
    findings.push({
      id: findingId(h.tool.id),
      tool: { id: h.tool.id, name: h.tool.name, category: h.tool.category },
      severity,
      status: 'finding',
      state: findingState(evidence),
      attack: TECHNIQUES[h.tool.category],
      evidence,
    });
  }
  return findings.sort((a, b) => compareCodeUnits(a.tool.id, b.tool.id));
}
