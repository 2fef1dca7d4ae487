import type { BinaryIdentity, PackageInfo, ProcessInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import type { Enricher, InventoryPart } from '../types.ts';
import { clean } from '../../text.ts';
import { mapLimit } from '../common/pool.ts';
import { lines } from '../common/text.ts';

// Who signed a binary, from `codesign -dv --verbose=2 <path>` (which prints to stderr). The signature
// survives renaming and relocation: an AnyDesk copied to ~/Library/.cache/updater still says
// Identifier=com.philandro.anydesk and TeamIdentifier=KU6W3B6JMZ. Apple's own binaries (/System, /usr)
// are skipped: they are sealed by SIP and say nothing about third-party tools.

export const CODESIGN = '/usr/bin/codesign';
const MAX_TARGETS = 150;
const PARALLEL = 4;
/** No new codesign call starts after this, so the enricher ends well within the orchestrator's timeout. */
const BUDGET_MS = 60_000;
const APPLE_PREFIXES = ['/System/', '/usr/bin/', '/usr/sbin/', '/usr/libexec/', '/usr/lib/', '/bin/', '/sbin/', '/Library/Apple/'];

/** Identifier=, TeamIdentifier= (absent when "not set") and the first (leaf) Authority= line. */
export function parseCodesign(text: string): BinaryIdentity | undefined {
  const id: BinaryIdentity = {};
  for (const line of lines(text)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1).trim();
    if (!v) continue;
    if (k === 'Identifier' && !id.bundleId) id.bundleId = clean(v, 256);
    else if (k === 'TeamIdentifier' && v !== 'not set' && !id.teamId) id.teamId = clean(v, 32);
    else if (k === 'Authority' && !id.signer) id.signer = clean(v, 256);
  }
  return id.bundleId || id.teamId || id.signer ? id : undefined;
}

function isApple(path: string): boolean {
  return APPLE_PREFIXES.some((p) => path.startsWith(p));
}

/** The bundle whose main executable a process runs, so one codesign call covers both. */
function bundleOfExe(exe: string, apps: Map<string, PackageInfo>): string | undefined {
  const m = /^(.*\.app)\/Contents\/MacOS\/([^/]+)$/.exec(exe);
  if (!m) return undefined;
  const app = apps.get(m[1]);
  return app && app.exec === m[2] ? m[1] : undefined;
}

export function codesignTargets(processes: ProcessInfo[], packages: PackageInfo[]): string[] {
  const apps = new Map(packages.filter((p) => p.source === 'app' && p.path).map((p) => [p.path!, p]));
  const targets = new Set<string>();
  for (const p of processes) {
    if (!p.exe?.startsWith('/') || isApple(p.exe)) continue;
    targets.add(bundleOfExe(p.exe, apps) ?? p.exe);
  }
  for (const path of apps.keys()) if (!isApple(path)) targets.add(path);
  return [...targets].slice(0, MAX_TARGETS);
}

async function signature(runner: Runner, path: string): Promise<BinaryIdentity | undefined> {
  const res = await runner.exec(CODESIGN, ['-dv', '--verbose=2', path], { timeoutMs: 10_000, maxBytes: 256 * 1024 });
  return parseCodesign(`${res.stderr}\n${res.stdout}`); // unsigned code exits 1 with no fields: no identity
}

export const codesignEnricher: Enricher = {
  name: 'darwin.codesign',
  async enrich(ctx, inv: Required<InventoryPart>) {
    const targets = codesignTargets(inv.processes, inv.packages);
    if (!targets.length) return;
    const errors: string[] = [];
    const deadline = Date.now() + BUDGET_MS;
    const results = await mapLimit(targets, PARALLEL, async (path) => {
      if (Date.now() > deadline) return undefined;
      try {
        return await signature(ctx.runner, path);
      } catch (e) {
        errors.push((e as Error).message.split('\n')[0]);
        return undefined;
      }
    });
    if (errors.length === targets.length) throw new Error(`codesign failed for all ${targets.length} paths: ${errors[0]}`);
    const byPath = new Map<string, BinaryIdentity>();
    targets.forEach((t, i) => {
      const id = results[i];
      if (id) byPath.set(t, id);
    });
    const apps = new Map(inv.packages.filter((p) => p.source === 'app' && p.path).map((p) => [p.path!, p]));
    for (const pkg of inv.packages) {
      const id = pkg.path ? byPath.get(pkg.path) : undefined;
      if (id) pkg.identity = { ...pkg.identity, ...id };
    }
    for (const proc of inv.processes) {
      if (!proc.exe) continue;
      const id = byPath.get(bundleOfExe(proc.exe, apps) ?? proc.exe);
      if (id) proc.identity = { ...proc.identity, ...id };
    }
  },
};
