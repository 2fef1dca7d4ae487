import { randomUUID } from 'node:crypto';
import type { Catalog } from './catalog/types.ts';
import { hintsFor } from './catalog/load.ts';
import { collectInventory, currentOs } from './collect.ts';
import { detect } from './engine/detect.ts';
import { isActive } from './engine/rules.ts';
import { hostSignals } from './engine/signals.ts';
import type { Finding, Inventory, ScanResult } from './model.ts';
import { platformFor } from './platforms.ts';
import { applyPolicy, type Policy } from './policy/index.ts';
import { RealRunner, type Runner } from './runner.ts';
import { SCAN_SCHEMA } from './vocabulary.ts';

export interface CollectOptions {
  catalog: Catalog;
  runner?: Runner;
  allowProbes?: boolean;
}

/** Looks at this machine (or whatever the runner replays) and returns what it saw. */
export function collectHost(opts: CollectOptions): Promise<Inventory> {
  const os = currentOs();
  return collectInventory(platformFor(os), {
    runner: opts.runner ?? new RealRunner(),
    hints: hintsFor(opts.catalog, os),
    allowProbes: opts.allowProbes ?? true,
  });
}

/** Pure: the same inventory, catalog, policy and time always give the same findings. */
export function evaluate(inv: Inventory, catalog: Catalog, policy: Policy | undefined, now: Date, scanId = randomUUID()): ScanResult {
  // Policy first, so a sanctioned tool does not count towards "several remote tools"; then again on the signals
  const judge = (fs: Finding[]) => (policy ? applyPolicy(fs, policy, now) : fs);
  const judged = judge(detect(inv, catalog));
  const findings = [...judged, ...judge(hostSignals(inv, judged))];
  return {
    schema: SCAN_SCHEMA,
    scanId,
    host: inv.host,
    context: inv.context,
    sources: inv.sources,
    counts: {
      processes: inv.processes.length,
      packages: inv.packages.length,
      services: inv.services.length,
      sockets: inv.sockets.length,
      devices: inv.devices.length,
      settings: inv.settings.length,
    },
    catalog: { tools: catalog.tools.length, generatedAt: catalog.generatedAt },
    findings,
  };
}

export function activeFindings(r: ScanResult) {
  return r.findings.filter(isActive);
}
