import os from 'node:os';
import type { Inventory, OsName, SourceStatus } from './model.ts';
import { SourceAbsent, type CollectorContext, type CollectorResult, type InventoryPart, type Platform } from './collectors/types.ts';
import { VERSION } from './version.ts';
import { oneLine } from './vocabulary.ts';

const COLLECTOR_TIMEOUT_MS = 90_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function emptyParts(): Required<InventoryPart> {
  return { processes: [], packages: [], services: [], sockets: [], devices: [], settings: [], files: [], context: {} };
}

const LISTS = ['processes', 'packages', 'services', 'sockets', 'devices', 'settings', 'files'] as const;

function countOf(part: InventoryPart): number {
  return LISTS.reduce((n, k) => n + (part[k]?.length ?? 0), 0) + Object.keys(part.context ?? {}).length;
}

/**
 * Runs every collector of a platform; one that fails or hangs is recorded in `sources` with its reason
 * and the scan goes on with the rest, because a partial inventory still finds tools.
 */
export async function collectInventory(
  platform: Platform,
  ctx: CollectorContext,
  host: { hostname?: string; osVersion?: string; arch?: string } = {},
): Promise<Inventory> {
  const parts = emptyParts();
  let consoleUser: string | undefined;
  const sources: SourceStatus[] = [];
  const results = await Promise.all(
    platform.collectors.map(async (c) => {
      const start = Date.now();
      try {
        const part = await withTimeout(c.collect(ctx), COLLECTOR_TIMEOUT_MS, c.name);
        const status: SourceStatus = { name: c.name, ok: true, count: countOf(part), durationMs: Date.now() - start };
        if (part.warnings?.length) status.warnings = part.warnings.map((w) => oneLine(w));
        return { c, part, status };
      } catch (e) {
        const status: SourceStatus = { name: c.name, ok: false, error: oneLine(e), count: 0, durationMs: Date.now() - start };
        if (e instanceof SourceAbsent) status.absent = true;
        return { c, part: {} as CollectorResult, status };
      }
    }),
  );
  for (const { part, status } of results) {
    sources.push(status);
    for (const k of LISTS) {
      const items = part[k];
      if (items) (parts[k] as unknown[]).push(...items);
    }
    Object.assign(parts.context, part.context ?? {});
    consoleUser ??= part.consoleUser;
  }
  for (const en of platform.enrichers) {
    const start = Date.now();
    try {
      await withTimeout(en.enrich(ctx, parts), COLLECTOR_TIMEOUT_MS, en.name);
      sources.push({ name: en.name, ok: true, count: 0, durationMs: Date.now() - start });
    } catch (e) {
      sources.push({ name: en.name, ok: false, error: oneLine(e), count: 0, durationMs: Date.now() - start });
    }
  }
  // what never answered (a hung FUSE or network mount, a process's memory): the scan went on without it
  const unanswered = ctx.runner.unanswered?.() ?? [];
  if (unanswered.length) sources.push({ name: 'unanswered', ok: false, error: oneLine(unanswered.join('; ')), count: 0, durationMs: 0 });
  return {
    schema: 'ratwatch.inventory/1',
    host: {
      hostname: host.hostname ?? os.hostname(),
      os: platform.os,
      osVersion: host.osVersion ?? os.release(),
      arch: host.arch ?? os.arch(),
      collectedAt: new Date().toISOString(),
      agentVersion: VERSION,
      ...(consoleUser ? { user: consoleUser } : {}),
    },
    context: parts.context,
    sources,
    processes: parts.processes,
    packages: parts.packages,
    services: parts.services,
    sockets: parts.sockets,
    devices: parts.devices,
    settings: parts.settings,
    files: parts.files,
  };
}

export function currentOs(): OsName {
  if (process.platform === 'win32') return 'windows';
  if (process.platform === 'darwin') return 'darwin';
  return 'linux';
}
