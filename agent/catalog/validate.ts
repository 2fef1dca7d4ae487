import type { Category } from '../model.ts';
import type { Catalog, CatalogTool } from './types.ts';

// Checks the shape of a detection catalog. Kept apart from load.ts (which embeds the committed
// catalog.json) so the importer that writes catalog.json can use it without importing its own output.
// Every problem is a CatalogError with one line naming the exact field.

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

// A Record over Category makes the compiler reject this list when agent/model.ts gains or loses a category.
const CATEGORY_SET: Record<Category, true> = {
  'remote-desktop': true, rmm: true, 'remote-shell': true, tunnel: true, 'mesh-vpn': true, vpn: true,
  'ip-kvm': true, 'builtin-remote': true, signal: true,
};
export const CATEGORIES = Object.keys(CATEGORY_SET) as Category[];

const STRING_LISTS = [
  'paths', 'bundleIds', 'packages', 'services', 'domains', 'signers', 'teamIds', 'peOriginalFilenames',
  'displayNames', 'banners', 'sources', 'references', 'scripts', 'productNames', 'commandLines',
] as const;
const LATER_LISTS: ReadonlySet<string> = new Set(['scripts', 'productNames', 'commandLines']);
const OSES = ['windows', 'darwin', 'linux'] as const;

type Fail = (path: string, what: string) => never;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function str(v: unknown, path: string, fail: Fail, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && v === '')) fail(path, allowEmpty ? 'must be a string' : 'must be a non-empty string');
  return v as string;
}

function strList(v: unknown, path: string, fail: Fail): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(path, 'must be a list of strings');
  return [...(v as string[])];
}

function checkTool(t: unknown, at: string, fail: Fail): CatalogTool {
  if (!isRecord(t)) fail(at, 'must be an object');
  const o = t as Record<string, unknown>;
  const id = str(own(o, 'id'), `${at}.id`, fail);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) fail(`${at}.id`, 'must be kebab-case');
  const category = own(o, 'category');
  if (!CATEGORIES.includes(category as Category)) fail(`${at}.category`, `must be one of ${CATEGORIES.join(', ')}`);
  const procs = own(o, 'processes');
  if (!isRecord(procs)) fail(`${at}.processes`, 'must be an object with windows, darwin and linux lists');
  const processes = {} as CatalogTool['processes'];
  for (const os of OSES) processes[os] = strList(own(procs as Record<string, unknown>, os), `${at}.processes.${os}`, fail);
  const lists = {} as Record<(typeof STRING_LISTS)[number], string[]>;
  for (const k of STRING_LISTS) {
    // lists added after catalog/1 shipped: a catalog written before them simply has none
    const v = own(o, k) ?? (LATER_LISTS.has(k) ? [] : undefined);
    lists[k] = strList(v, `${at}.${k}`, fail);
  }
  const ports = own(o, 'ports');
  if (!Array.isArray(ports) || !ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) {
    fail(`${at}.ports`, 'must be a list of port numbers 1-65535');
  }
  const usbRaw = own(o, 'usb');
  if (!Array.isArray(usbRaw)) fail(`${at}.usb`, 'must be a list');
  const usb = (usbRaw as unknown[]).map((u, i) => {
    const p = `${at}.usb[${i}]`;
    if (!isRecord(u)) fail(p, 'must be an object');
    const r = u as Record<string, unknown>;
    const vendorId = str(own(r, 'vendorId'), `${p}.vendorId`, fail);
    const productId = str(own(r, 'productId'), `${p}.productId`, fail);
    if (!/^[0-9a-f]{4}$/.test(vendorId)) fail(`${p}.vendorId`, 'must be 4 lowercase hex digits');
    if (!/^[0-9a-f]{4}$/.test(productId)) fail(`${p}.productId`, 'must be 4 lowercase hex digits');
    return { vendorId, productId, strings: strList(own(r, 'strings'), `${p}.strings`, fail) };
  });
  const setRaw = own(o, 'settings');
  if (!Array.isArray(setRaw)) fail(`${at}.settings`, 'must be a list');
  const settings = (setRaw as unknown[]).map((s, i) => {
    const p = `${at}.settings[${i}]`;
    if (!isRecord(s)) fail(p, 'must be an object');
    const r = s as Record<string, unknown>;
    const key = str(own(r, 'key'), `${p}.key`, fail);
    const equals = own(r, 'equals');
    if (!['string', 'number', 'boolean'].includes(typeof equals)) fail(`${p}.equals`, 'must be a string, number or boolean');
    return { key, equals: equals as string | number | boolean };
  });
  return {
    id,
    name: str(own(o, 'name'), `${at}.name`, fail),
    category: category as Category,
    processes,
    paths: lists.paths,
    bundleIds: lists.bundleIds,
    packages: lists.packages,
    services: lists.services,
    domains: lists.domains,
    ports: [...(ports as number[])],
    signers: lists.signers,
    teamIds: lists.teamIds,
    peOriginalFilenames: lists.peOriginalFilenames,
    usb,
    displayNames: lists.displayNames,
    settings,
    banners: lists.banners,
    scripts: lists.scripts,
    productNames: lists.productNames,
    commandLines: lists.commandLines,
    sources: lists.sources,
    references: lists.references,
  };
}

/** Checks an already-parsed value and returns a fresh Catalog holding only the known fields. */
export function validateCatalog(value: unknown, origin: string): Catalog {
  const fail: Fail = (path, what) => {
    throw new CatalogError(`catalog ${origin}: ${path} ${what}`);
  };
  try {
    if (!isRecord(value)) throw new CatalogError(`catalog ${origin}: not a JSON object`);
    if (own(value, 'schema') !== 'ratwatch.catalog/1') fail('schema', 'must be "ratwatch.catalog/1"');
    const generatedAt = str(own(value, 'generatedAt'), 'generatedAt', fail);
    const srcRaw = own(value, 'sources');
    if (!Array.isArray(srcRaw)) fail('sources', 'must be a list');
    const sources = (srcRaw as unknown[]).map((s, i) => {
      if (!isRecord(s)) fail(`sources[${i}]`, 'must be an object');
      const r = s as Record<string, unknown>;
      const out: Catalog['sources'][number] = {
        id: str(own(r, 'id'), `sources[${i}].id`, fail),
        name: str(own(r, 'name'), `sources[${i}].name`, fail),
        license: str(own(r, 'license'), `sources[${i}].license`, fail),
        url: str(own(r, 'url'), `sources[${i}].url`, fail),
      };
      const commit = own(r, 'commit');
      if (commit !== undefined) out.commit = str(commit, `sources[${i}].commit`, fail);
      return out;
    });
    const toolsRaw = own(value, 'tools');
    if (!Array.isArray(toolsRaw)) fail('tools', 'must be a list');
    const ids = new Set<string>();
    const tools = (toolsRaw as unknown[]).map((t, i) => {
      const tool = checkTool(t, `tools[${i}]`, fail);
      if (ids.has(tool.id)) fail(`tools[${i}].id`, `"${tool.id}" appears twice`);
      ids.add(tool.id);
      return tool;
    });
    return { schema: 'ratwatch.catalog/1', generatedAt, sources, tools };
  } catch (e) {
    if (e instanceof CatalogError) throw e;
    // Anything else (a getter throwing, a stack overflow on absurd nesting) is still bad catalog input.
    throw new CatalogError(`catalog ${origin}: cannot be checked (${oneLine(e)})`);
  }
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split(/\r?\n/)[0].slice(0, 200);
}

export function parseCatalog(text: string, origin: string): Catalog {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text.replace(/^\uFEFF/, '') : String(text));
  } catch (e) {
    throw new CatalogError(`catalog ${origin}: not valid JSON (${oneLine(e)})`);
  }
  return validateCatalog(value, origin);
}
