import { createHash } from 'node:crypto';
import type { Catalog, CatalogTool } from '../catalog/types.ts';
import type { Evidence, Finding, Inventory, ProcessInfo, Severity } from '../model.ts';
import { indexCatalog, normName, normTitle, type CatalogIndex } from './index-catalog.ts';
import { clean } from '../text.ts';
import { EVIDENCE_MAX, BROAD_SIGNERS, BROAD_TEAM_IDS, DEFAULT_SEVERITY, PRESENCE_ONLY_EVIDENCE, SHIPS_WITH_OS, TECHNIQUES } from './rules.ts';

// The detection engine: inventory in, findings out. Pure (no I/O, no clock, no OS knowledge), so a saved
// inventory from any laptop gives the same findings here as on the laptop itself.
//
// Evidence is either strong (it names the tool by itself: an executable name, package, bundle id, PE
// OriginalFilename, USB id...) or corroborating (a signer, a Team ID or a listening port, which big vendors
// share across products). A tool becomes a finding only with at least one strong piece of evidence.

interface Hit {
  tool: CatalogTool;
  strong: Evidence[];
  extra: Evidence[];
  pids: Set<number>;
}

class Hits {
  readonly byTool = new Map<string, Hit>();

  add(tool: CatalogTool, ev: Evidence, strong = true, pid?: number): void {
    let h = this.byTool.get(tool.id);
    if (!h) this.byTool.set(tool.id, (h = { tool, strong: [], extra: [], pids: new Set() }));
    const proves = strong && !(SHIPS_WITH_OS.has(tool.category) && PRESENCE_ONLY_EVIDENCE.has(ev.type));
    const list = proves ? h.strong : h.extra;
    const e = { type: ev.type, value: clean(ev.value, EVIDENCE_MAX) };
    if (!list.some((x) => x.type === e.type && x.value === e.value)) list.push(e);
    if (pid !== undefined) h.pids.add(pid);
  }
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

// Linux reports at most 15 characters of a process name (TASK_COMM_LEN - 1)
const COMM_LEN = 15;

function toolsForName(ix: CatalogIndex, raw: string, os: Inventory['host']['os']): CatalogTool[] {
  const n = normName(raw);
  if (!n) return [];
  const exact = ix.byProcess.get(n);
  if (exact) return exact;
  if (os === 'linux' && raw.length === COMM_LEN) {
    return ix.processNames.filter((k) => k.startsWith(n)).flatMap((k) => ix.byProcess.get(k) ?? []);
  }
  return [];
}

function processLabel(p: ProcessInfo): string {
  return `${p.name} (pid ${p.pid})`;
}

function matchProcesses(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  // Reference copies the collectors fingerprinted: a hash or build-id names the tool whatever the file is called.
  const refBy = new Map<string, { tools: CatalogTool[]; path: string }>();
  for (const f of inv.files) {
    const tools = toolsForName(ix, basename(f.path), inv.host.os);
    if (!tools.length) continue;
    for (const key of [f.identity.sha256 && `sha256:${f.identity.sha256}`, f.identity.elfBuildId && `buildid:${f.identity.elfBuildId}`]) {
      if (key) refBy.set(key, { tools, path: f.path });
    }
  }

  for (const p of inv.processes) {
    const byName = new Set<CatalogTool>([
      ...toolsForName(ix, p.name, inv.host.os),
      ...(p.exe ? toolsForName(ix, basename(p.exe), inv.host.os) : []),
    ]);
    for (const t of byName) {
      hits.add(t, { type: 'process', value: processLabel(p) }, true, p.pid);
      if (p.exe) hits.add(t, { type: 'path', value: p.exe }, false);
    }
    const id = p.identity;
    if (p.exe) {
      const lower = p.exe.toLowerCase().replace(/\\/g, '/');
      for (const { re, tool } of ix.paths) {
        if (re.test(lower)) {
          hits.add(tool, { type: 'install-path', value: p.exe }, true, p.pid);
          if (!byName.has(tool)) hits.add(tool, { type: 'process', value: processLabel(p) }, false, p.pid);
        }
      }
    }
    if (!id) continue;
    const renamed = (t: CatalogTool) => !byName.has(t);
    for (const key of [id.sha256 && `sha256:${id.sha256}`, id.elfBuildId && `buildid:${id.elfBuildId}`]) {
      const ref = key ? refBy.get(key) : undefined;
      if (!ref || ref.path === p.exe) continue;
      for (const t of ref.tools) {
        if (!renamed(t)) continue;
        hits.add(t, { type: 'process-renamed', value: `${processLabel(p)} is a copy of ${ref.path} (${key})` }, true, p.pid);
        if (p.exe) hits.add(t, { type: 'path', value: p.exe }, false);
      }
    }
    if (id.pe?.originalFilename) {
      for (const t of ix.byPeName.get(normName(id.pe.originalFilename)) ?? ix.byProcess.get(normName(id.pe.originalFilename)) ?? []) {
        const type = renamed(t) ? 'process-renamed' : 'pe-original-filename';
        hits.add(t, { type, value: `${processLabel(p)} OriginalFilename=${id.pe.originalFilename}` }, true, p.pid);
      }
    }
    if (id.bundleId) {
      for (const t of ix.byBundleId.get(id.bundleId.toLowerCase()) ?? []) {
        const type = renamed(t) ? 'process-renamed' : 'bundle-id';
        hits.add(t, { type, value: `${processLabel(p)} identifier=${id.bundleId}` }, true, p.pid);
      }
    }
    if (id.teamId) {
      const broad = BROAD_TEAM_IDS.has(id.teamId.toUpperCase());
      for (const t of ix.byTeamId.get(id.teamId.toUpperCase()) ?? []) {
        if (broad && !byName.has(t)) continue;
        hits.add(t, { type: 'team-id', value: `${processLabel(p)} TeamIdentifier=${id.teamId}` }, !broad, p.pid);
      }
    }
    if (id.signer) {
      const s = id.signer.toLowerCase();
      const broad = BROAD_SIGNERS.some((b) => s.includes(b));
      for (const { signer, tool } of ix.signers) {
        if (!s.includes(signer) || (broad && !byName.has(tool))) continue;
        hits.add(tool, { type: 'signer', value: `${processLabel(p)} signed by ${id.signer}` }, !broad, p.pid);
      }
    }
    if (id.sha256) for (const t of byName) hits.add(t, { type: 'sha256', value: id.sha256 }, false);
  }
}

// Host names in a command line: "ssh -R 80:localhost:22 serveo.net", "frpc -s relay.example" ...
const HOSTNAME = /[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+/g;
const CMDLINE_SCAN = Infinity; // collectors bound command lines (the kernel's ARG_MAX); all of it is looked at

/** The catalog domains a host name falls under: itself or any parent domain. */
function toolsForHost(ix: CatalogIndex, host: string): { domain: string; tools: CatalogTool[] }[] {
  const out: { domain: string; tools: CatalogTool[] }[] = [];
  for (let d = host; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
    const tools = ix.byDomain.get(d);
    if (tools) out.push({ domain: d, tools });
  }
  return out;
}

function matchCmdlines(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const p of inv.processes) {
    if (!p.cmdline) continue;
    const hosts = new Set(p.cmdline.slice(0, CMDLINE_SCAN).toLowerCase().match(HOSTNAME) ?? []);
    for (const host of hosts) {
      for (const { domain, tools } of toolsForHost(ix, host)) {
        for (const t of tools) hits.add(t, { type: 'cmdline-domain', value: `${processLabel(p)} names ${host}${host === domain ? '' : ` (${domain})`}` }, true, p.pid);
      }
    }
  }
}

function matchPackages(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const pkg of inv.packages) {
    const label = `${pkg.name}${pkg.version ? ` ${pkg.version}` : ''} (${pkg.source})`;
    const title = normTitle(pkg.name);
    const tools = new Set<CatalogTool>(ix.byPackage.get(title) ?? ix.byPackage.get(pkg.name.toLowerCase()) ?? []);
    // Uninstall entries and .app bundles carry the product's display name, which is the tool's name
    if (pkg.source === 'uninstall' || pkg.source === 'app') for (const t of ix.byToolName.get(title) ?? []) tools.add(t);
    if (pkg.bundleId) for (const t of ix.byBundleId.get(pkg.bundleId.toLowerCase()) ?? []) tools.add(t);
    if (pkg.exec) for (const t of toolsForName(ix, basename(pkg.exec), inv.host.os)) tools.add(t);
    if (pkg.source === 'app' && pkg.path) for (const t of toolsForName(ix, basename(pkg.path), inv.host.os)) tools.add(t);
    for (const t of tools) {
      hits.add(t, { type: 'package', value: label });
      if (pkg.path) hits.add(t, { type: 'path', value: pkg.path }, false);
    }
    if (pkg.identity?.teamId) {
      for (const t of ix.byTeamId.get(pkg.identity.teamId.toUpperCase()) ?? []) {
        hits.add(t, { type: 'team-id', value: `${label} TeamIdentifier=${pkg.identity.teamId}` }, !BROAD_TEAM_IDS.has(pkg.identity.teamId.toUpperCase()));
      }
    }
  }
}

function matchServices(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const s of inv.services) {
    const name = s.name.toLowerCase().replace(/\.service$/, '');
    const tools = new Set<CatalogTool>(ix.byService.get(name) ?? []);
    for (const { prefix, tool } of ix.servicePrefixes) if (name.startsWith(prefix)) tools.add(tool);
    if (s.path) for (const t of toolsForName(ix, basename(s.path), inv.host.os)) tools.add(t);
    if (s.path) {
      const lower = s.path.toLowerCase().replace(/\\/g, '/');
      for (const { re, tool } of ix.paths) if (re.test(lower)) tools.add(tool);
    }
    const label = `${s.name}${s.state ? ` [${s.state}]` : ''} (${s.source}${s.startType ? `, ${s.startType}` : ''})`;
    for (const t of tools) {
      hits.add(t, { type: s.source === 'run-key' || s.source === 'scheduled-task' ? 'autostart' : 'service', value: label });
      if (s.path) hits.add(t, { type: 'path', value: s.path }, false);
    }
  }
}

function matchSockets(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const so of inv.sockets) {
    const where = `${so.proto} ${so.localAddress}:${so.localPort}${so.remoteAddress ? ` -> ${so.remoteAddress}:${so.remotePort}` : ''} ${so.state}`;
    const owner = so.process ? `${so.process}${so.pid !== undefined ? ` (pid ${so.pid})` : ''}` : so.pid !== undefined ? `pid ${so.pid}` : 'unknown process';
    if (so.banner) {
      const b = so.banner.toLowerCase();
      for (const { prefix, tool } of ix.banners) {
        if (b.startsWith(prefix)) hits.add(tool, { type: 'banner', value: `${where} by ${owner} answers "${so.banner}"` });
      }
    }
    // A socket names a tool only through its owner; the port is corroboration (ports are shared).
    for (const h of hits.byTool.values()) {
      const owned = so.pid !== undefined && h.pids.has(so.pid);
      const named = so.process && toolsForName(ix, so.process, inv.host.os).includes(h.tool);
      if (owned || named) hits.add(h.tool, { type: 'socket', value: `${where} by ${owner}` }, false);
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
          hits.add(t, { type: 'device', value: `${d.bus} ${key}${desc ? ` "${desc}"` : ''}` });
        }
      }
    }
    if (d.name) {
      for (const t of ix.byDisplayName.get(d.name.trim().toLowerCase()) ?? []) {
        hits.add(t, { type: 'display', value: `${d.bus} "${d.name}"${d.manufacturer ? ` by ${d.manufacturer}` : ''}` });
      }
    }
  }
}

function matchSettings(inv: Inventory, ix: CatalogIndex, hits: Hits): void {
  for (const s of inv.settings) {
    for (const { tool, equals } of ix.bySetting.get(s.key) ?? []) {
      if (s.value === equals) hits.add(tool, { type: 'setting', value: `${s.key}=${String(s.value)} (${s.source})` });
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
  matchSockets(inv, ix, hits);
  const findings: Finding[] = [];
  for (const h of hits.byTool.values()) {
    if (h.strong.length === 0) continue;
    const severity: Severity = DEFAULT_SEVERITY[h.tool.category];
    findings.push({
      id: findingId(h.tool.id),
      tool: { id: h.tool.id, name: h.tool.name, category: h.tool.category },
      severity,
      status: 'finding',
      attack: TECHNIQUES[h.tool.category],
      evidence: [...h.strong, ...h.extra],
    });
  }
  return findings.sort((a, b) => a.tool.id.localeCompare(b.tool.id));
}
