import type { Catalog, CatalogTool } from '../../agent/catalog/types.ts';
import type { Inventory } from '../../agent/model.ts';

// Small, explicit inputs for engine tests: a tool is data, an inventory is data.

export function tool(id: string, over: Partial<CatalogTool> = {}): CatalogTool {
  return {
    id,
    name: over.name ?? id,
    category: 'remote-desktop',
    processes: { windows: [], darwin: [], linux: [] },
    paths: [],
    bundleIds: [],
    packages: [],
    services: [],
    domains: [],
    ports: [],
    signers: [],
    teamIds: [],
    peOriginalFilenames: [],
    usb: [],
    displayNames: [],
    settings: [],
    banners: [],
    scripts: [],
    productNames: [],
    commandLines: [],
    sources: ['test'],
    references: [],
    ...over,
  };
}

export function catalog(tools: CatalogTool[]): Catalog {
  return { schema: 'ratwatch.catalog/1', generatedAt: '2026-11-22T00:00:00Z', sources: [], tools };
}

export function inventory(os: Inventory['host']['os'], over: Partial<Inventory> = {}): Inventory {
  return {
    schema: 'ratwatch.inventory/1',
    host: { hostname: 'laptop-1', os, collectedAt: '2026-11-23T10:00:00.000Z', agentVersion: '0.1.0' },
    context: {},
    sources: [],
    processes: [],
    packages: [],
    services: [],
    sockets: [],
    devices: [],
    settings: [],
    files: [],
    ...over,
  };
}
