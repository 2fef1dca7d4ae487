import type { ErrorObject } from 'ajv';
import catalogSchema from '../../shared/schemas/catalog.schema.json' with { type: 'json' };
import { validateCatalogSchema } from './catalog-validator.generated.js';
import { oneLine } from '../vocabulary.ts';
import type { Catalog, CatalogTool } from './types.ts';

// Checks a detection catalog against shared/schemas/catalog.schema.json (ajv, precompiled). Kept apart from load.ts
// (which embeds the committed catalog.json) so the importer that writes catalog.json can use it without
// importing its own output. Every problem is a CatalogError with one line naming the exact field; the
// wording comes from the schema's `errorText` annotations.

export class CatalogError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'CatalogError';
  }
}

type SchemaNode = { errorText?: string | Record<string, string>; [k: string]: unknown };
/** The schema compiled ahead of time by scripts/gen-validators.ts: no ajv compiler in the agent at all. */
const validator = () => validateCatalogSchema;

/** The schema node at a JSON pointer ("#/$defs/tool/properties/id"). */
function nodeAt(pointer: string[]): SchemaNode | undefined {
  let n: unknown = catalogSchema;
  for (const seg of pointer) {
    if (typeof n !== 'object' || n === null) return undefined;
    n = (n as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    // follow a $ref into $defs
    if (typeof n === 'object' && n !== null && typeof (n as SchemaNode).$ref === 'string' && seg !== '$ref') {
      const ref = ((n as SchemaNode).$ref as string).replace(/^#\//, '').split('/');
      n = nodeAt(ref);
    }
  }
  return n as SchemaNode | undefined;
}

function textFor(node: SchemaNode | undefined, keyword: string): string | undefined {
  const t = node?.errorText;
  if (typeof t === 'string') return t;
  return t?.[keyword] ?? t?.['*'];
}

function fieldPath(segs: string[]): string {
  return segs.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * One line for ajv's first error: the nearest schema node (from the failing one upwards) that has an
 * errorText gives the words, and the instance path is cut to that node (a bad item makes its list bad).
 */
function describe(err: ErrorObject): string {
  const schemaSegs = err.schemaPath.replace(/^#\//, '').split('/');
  schemaSegs.pop(); // the failing keyword
  const inst = err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let keyword = err.keyword;
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    schemaSegs.push('properties', missing);
    inst.push(missing);
    keyword = 'required';
  }
  // $ref hops in schemaPath are already resolved paths ("#/$defs/tool/..."), so walk this path only
  for (;;) {
    const text = textFor(nodeAt(schemaSegs), keyword);
    if (text) return inst.length ? `${fieldPath(inst)} ${text}` : text;
    if (schemaSegs.length === 0) return `${fieldPath(inst) || '(top level)'} ${err.message ?? 'is invalid'}`;
    const last = schemaSegs.pop()!;
    keyword = '*';
    if (last === 'items') inst.pop();
    else if (schemaSegs[schemaSegs.length - 1] === 'properties') {
      schemaSegs.pop();
      inst.pop();
    } else if (schemaSegs[schemaSegs.length - 1] === '$defs') {
      // reached a $defs entry: the instance is where the $ref was used; nothing more to cut
      return `${fieldPath(inst) || '(top level)'} ${err.message ?? 'is invalid'}`;
    }
  }
}

function pickTool(t: CatalogTool): CatalogTool {
  return {
    id: t.id,
    name: t.name,
    category: t.category,
    processes: { windows: [...t.processes.windows], darwin: [...t.processes.darwin], linux: [...t.processes.linux] },
    paths: [...t.paths],
    bundleIds: [...t.bundleIds],
    packages: [...t.packages],
    services: [...t.services],
    domains: [...t.domains],
    ports: [...t.ports],
    signers: [...t.signers],
    teamIds: [...t.teamIds],
    peOriginalFilenames: [...t.peOriginalFilenames],
    usb: t.usb.map((u) => ({ vendorId: u.vendorId, productId: u.productId, strings: [...u.strings] })),
    displayNames: [...t.displayNames],
    settings: t.settings.map((s) => ({ key: s.key, equals: s.equals })),
    banners: [...t.banners],
    sources: [...t.sources],
    references: [...t.references],
    // lists added after catalog/1 shipped: a catalog written before them simply has none
    scripts: [...(t.scripts ?? [])],
    productNames: [...(t.productNames ?? [])],
    commandLines: [...(t.commandLines ?? [])],
  };
}

/** Checks an already-parsed value and returns a fresh Catalog holding only the known fields. */
export function validateCatalog(value: unknown, origin: string): Catalog {
  return checkedCatalog(value, origin, true);
}

/**
 * The catalog built into the agent: the schema check already ran on it before it was committed
 * (test/unit/agent/catalog/built-in.test.ts), so each run skips compiling the schema with ajv (the
 * largest single cost of a scan's start) and keeps the checks that shape the result.
 */
export function builtInCatalog(value: unknown): Catalog {
  return checkedCatalog(value, 'built-in', false);
}

function checkedCatalog(value: unknown, origin: string, schemaCheck: boolean): Catalog {
  try {
    const v = schemaCheck ? validator() : undefined;
    if (v && !v(value)) {
      const err = v.errors?.[0];
      throw new CatalogError(`catalog ${origin}: ${err ? describe(err) : 'does not match the schema'}`);
    }
    const c = value as Catalog;
    const ids = new Set<string>();
    c.tools.forEach((t, i) => {
      if (ids.has(t.id)) throw new CatalogError(`catalog ${origin}: tools[${i}].id "${t.id}" appears twice`);
      ids.add(t.id);
    });
    return {
      schema: 'ratwatch.catalog/1',
      generatedAt: c.generatedAt,
      sources: c.sources.map((s) => ({
        id: s.id,
        name: s.name,
        license: s.license,
        url: s.url,
        ...(s.commit !== undefined ? { commit: s.commit } : {}),
      })),
      tools: c.tools.map(pickTool),
    };
  } catch (e) {
    if (e instanceof CatalogError) throw e;
    // Anything else (a getter throwing, a stack overflow on absurd nesting) is still bad catalog input.
    throw new CatalogError(`catalog ${origin}: cannot be checked (${oneLine(e, 200)})`);
  }
}

export function parseCatalog(text: string, origin: string): Catalog {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text.replace(/^\uFEFF/, '') : String(text));
  } catch (e) {
    throw new CatalogError(`catalog ${origin}: not valid JSON (${oneLine(e, 200)})`);
  }
  return validateCatalog(value, origin);
}
