import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// A validator for OCSF events against the schema's own source files (the layout of
// github.com/ocsf/ocsf-schema: dictionary.json, categories.json, events/**, objects/*, profiles/*),
// resolved the way the schema compiler does: `extends` chains, `$include` of profile/trait files,
// attribute definitions from the dictionary under class/object overrides, enums merged from the
// dictionary and the class, the dictionary's types (base type, regex, range, max_len, values), and
// requirement and object constraints. Test support only: the agent never loads a schema.

type Json = Record<string, any>;

export interface Attr {
  name: string;
  type: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, { caption?: string }>;
  sibling?: string;
  profile?: string | null;
  deprecated?: boolean;
  caption?: string;
}

interface Entity {
  name: string;
  caption?: string;
  uid?: number;
  category?: string;
  attributes: Record<string, Attr>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

export interface Schema {
  version: string;
  dictionary: Record<string, Json>;
  types: Record<string, Json>;
  categories: Record<string, Json>;
  objects: Record<string, Entity>;
  classes: Record<string, Entity>;
}

const readJson = (p: string): Json => JSON.parse(fs.readFileSync(p, 'utf8'));

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : d.name.endsWith('.json') ? [p] : [];
  });
}

/** Own attributes of a source file with its `$include`d files merged beneath them. */
function ownAttributes(root: string, file: Json, seen = new Set<string>()): Record<string, Json> {
  const out: Record<string, Json> = {};
  const attrs: Json = file.attributes ?? {};
  for (const inc of [].concat(attrs.$include ?? [], file.$include ?? [])) {
    if (seen.has(inc)) throw new Error(`$include cycle at ${inc}`);
    const p = path.join(root, inc);
    if (!fs.existsSync(p)) throw new Error(`$include ${inc}: no such schema file`);
    const included = readJson(p);
    const profileName = p.includes(`${path.sep}profiles${path.sep}`) ? included.name : undefined;
    for (const [k, v] of Object.entries(ownAttributes(root, included, new Set([...seen, inc])))) {
      out[k] = { ...(profileName && (v as Json).profile === undefined ? { profile: profileName } : {}), ...(v as Json) };
    }
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (k === '$include') continue;
    out[k] = { ...(out[k] ?? {}), ...(v as Json) };
  }
  return out;
}

export function loadSchema(root: string): Schema {
  const dict = readJson(path.join(root, 'dictionary.json'));
  const version = readJson(path.join(root, 'version.json')).version;
  const categories = readJson(path.join(root, 'categories.json')).attributes;
  const rawObjects: Record<string, Json> = {};
  for (const p of walk(path.join(root, 'objects'))) {
    const o = readJson(p);
    rawObjects[o.name] = o;
  }
  const rawClasses: Record<string, Json> = {};
  for (const p of walk(path.join(root, 'events'))) {
    const c = readJson(p);
    rawClasses[c.name] = c;
  }
  const schema: Schema = {
    version,
    dictionary: dict.attributes,
    types: dict.types?.attributes ?? {},
    categories,
    objects: {},
    classes: {},
  };

  const resolve = (raw: Record<string, Json>, done: Record<string, Entity>, name: string, chain: string[] = []): Entity => {
    if (done[name]) return done[name];
    const src = raw[name];
    if (!src) throw new Error(`schema has no ${name} (needed by ${chain.join(' > ') || 'the event'})`);
    if (chain.includes(name)) throw new Error(`extends cycle: ${[...chain, name].join(' > ')}`);
    const base = src.extends ? resolve(raw, done, src.extends, [...chain, name]) : undefined;
    const merged: Record<string, Json> = {};
    for (const [k, v] of Object.entries(base?.attributes ?? {})) merged[k] = { ...v };
    for (const [k, v] of Object.entries(ownAttributes(root, src))) {
      const prev = merged[k] ?? {};
      merged[k] = { ...prev, ...v, ...(prev.enum || v.enum ? { enum: { ...(prev.enum ?? {}), ...(v.enum ?? {}) } } : {}) };
    }
    const attributes: Record<string, Attr> = {};
    for (const [k, over] of Object.entries(merged)) {
      const d = schema.dictionary[k];
      if (!d) throw new Error(`${name}.${k}: not in the dictionary`);
      const enumMerged = d.enum || over.enum ? { ...(d.enum ?? {}), ...(over.enum ?? {}) } : undefined;
      attributes[k] = {
        name: k,
        type: over.type ?? d.type,
        is_array: over.is_array ?? d.is_array,
        requirement: over.requirement ?? 'optional',
        enum: enumMerged,
        sibling: over.sibling ?? d.sibling,
        profile: over.profile,
        deprecated: Boolean(over['@deprecated'] ?? d['@deprecated']),
        caption: over.caption ?? d.caption,
      };
    }
    const entity: Entity = {
      name,
      caption: src.caption ?? base?.caption,
      uid: src.uid ?? base?.uid,
      category: src.category ?? base?.category,
      attributes,
      constraints: src.constraints ?? base?.constraints,
    };
    done[name] = entity;
    return entity;
  };
  for (const n of Object.keys(rawObjects)) resolve(rawObjects, schema.objects, n);
  for (const n of Object.keys(rawClasses)) resolve(rawClasses, schema.classes, n);
  return schema;
}

// ---- validation ----

const INT32 = [-(2 ** 31), 2 ** 31 - 1];

function baseType(schema: Schema, type: string): string {
  let t = type;
  for (let i = 0; i < 10 && schema.types[t]?.type; i++) t = schema.types[t].type;
  return t;
}

function checkScalar(schema: Schema, type: string, v: unknown, at: string, errors: string[]): undefined {
  const base = baseType(schema, type);
  const bad = (why: string): undefined => {
    errors.push(`${at}: ${why} (${type})`);
  };
  switch (base) {
    case 'string_t':
      if (typeof v !== 'string') return bad(`expected a string, got ${JSON.stringify(v)}`);
      break;
    case 'integer_t':
      if (!Number.isInteger(v) || (v as number) < INT32[0] || (v as number) > INT32[1])
        return bad(`expected a 32-bit integer, got ${JSON.stringify(v)}`);
      break;
    case 'long_t':
      if (!Number.isSafeInteger(v)) return bad(`expected an integer, got ${JSON.stringify(v)}`);
      break;
    case 'float_t':
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`expected a number, got ${JSON.stringify(v)}`);
      break;
    case 'boolean_t':
      if (typeof v !== 'boolean') return bad(`expected a boolean, got ${JSON.stringify(v)}`);
      break;
    case 'json_t':
      return;
    case 'object_t':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('expected an object');
      return;
    default:
      return bad(`unknown base type ${base}`);
  }
  // Constraints of the type and of every type it is built on (ip_t is a string_t with a form, and so on).
  for (let t: string | undefined = type, i = 0; t && i < 10; t = schema.types[t]?.type, i++) {
    const def = schema.types[t];
    if (!def) break;
    if (t === 'ip_t' && typeof v === 'string' && !net.isIP(v)) bad('not an IP address');
    if (def.regex && typeof v === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(`^(?:${def.regex})$`);
      } catch {
        re = undefined;
      }
      if (re && !re.test(v)) bad(`does not match ${def.regex}`);
    }
    if (def.max_len && typeof v === 'string' && v.length > def.max_len) bad(`longer than ${def.max_len}`);
    if (Array.isArray(def.range) && typeof v === 'number' && (v < def.range[0] || v > def.range[1])) bad(`outside ${def.range.join('..')}`);
    if (Array.isArray(def.values) && !def.values.includes(v)) bad(`not one of ${def.values.join(', ')}`);
  }
}

interface Ctx {
  schema: Schema;
  profiles: Set<string>;
  errors: string[];
  warnings: string[];
}

function checkObject(ctx: Ctx, ent: Entity, value: unknown, at: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.errors.push(`${at}: expected a ${ent.name} object`);
    return;
  }
  const obj = value as Json;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue; // not serialized: JSON has no undefined
    const a = ent.attributes[k];
    const here = at ? `${at}.${k}` : k;
    if (!a) {
      ctx.errors.push(`${here}: not an attribute of ${ent.name}`);
      continue;
    }
    if (a.profile && !ctx.profiles.has(a.profile)) ctx.errors.push(`${here}: belongs to profile ${a.profile}, not in metadata.profiles`);
    if (a.deprecated) ctx.warnings.push(`${here}: deprecated`);
    if (a.is_array) {
      if (!Array.isArray(v)) {
        ctx.errors.push(`${here}: expected an array`);
        continue;
      }
      for (const [i, item] of v.entries()) checkValue(ctx, a, item, `${here}[${i}]`, obj);
    } else if (Array.isArray(v)) ctx.errors.push(`${here}: not an array attribute`);
    else checkValue(ctx, a, v, here, obj);
  }
  for (const a of Object.values(ent.attributes)) {
    const here = at ? `${at}.${a.name}` : a.name;
    if (obj[a.name] !== undefined) continue;
    if (a.requirement === 'required') ctx.errors.push(`${here}: required by ${ent.name}`);
    else if (a.requirement === 'recommended') ctx.warnings.push(`${here}: recommended by ${ent.name}`);
  }
  const c = ent.constraints;
  if (c?.at_least_one && !c.at_least_one.some((k) => obj[k] !== undefined)) {
    ctx.errors.push(`${at || ent.name}: ${ent.name} needs at least one of ${c.at_least_one.join(', ')}`);
  }
  if (c?.just_one && c.just_one.filter((k) => obj[k] !== undefined).length !== 1) {
    ctx.errors.push(`${at || ent.name}: ${ent.name} needs exactly one of ${c.just_one.join(', ')}`);
  }
}

function checkValue(ctx: Ctx, a: Attr, v: unknown, at: string, parent: Json): void {
  const obj = ctx.schema.objects[a.type];
  if (obj) {
    checkObject(ctx, obj, v, at);
    return;
  }
  checkScalar(ctx.schema, a.type, v, at, ctx.errors);
  if (a.enum) {
    const item = a.enum[String(v)];
    if (!item) {
      ctx.errors.push(`${at}: ${JSON.stringify(v)} is not in the ${a.name} enum`);
      return;
    }
    // An _id's sibling carries the caption of its value, except for Other (99), where it is the source's own label.
    const sibling = a.sibling ?? (a.name.endsWith('_id') ? a.name.slice(0, -3) : undefined);
    if (sibling && parent[sibling] !== undefined && String(v) !== '99' && item.caption !== undefined && parent[sibling] !== item.caption) {
      ctx.errors.push(
        `${at.replace(/[^.]+$/, sibling)}: ${JSON.stringify(parent[sibling])} is not the caption of ${a.name} ${v} (${JSON.stringify(item.caption)})`,
      );
    }
  }
}

export interface Verdict {
  errors: string[];
  warnings: string[];
}

/** Validates one event against its class (found by class_uid); errors break the schema, warnings are advice. */
export function validateEvent(schema: Schema, event: Json): Verdict {
  const ctx: Ctx = { schema, profiles: new Set(event?.metadata?.profiles ?? []), errors: [], warnings: [] };
  const cls = Object.values(schema.classes).find((c) => {
    const cat = c.category ? schema.categories[c.category] : undefined;
    return cat && c.uid !== undefined && cat.uid * 1000 + c.uid === event?.class_uid;
  });
  if (!cls) return { errors: [`class_uid ${event?.class_uid}: no such class in OCSF ${schema.version}`], warnings: [] };
  const cat = schema.categories[cls.category!];
  const expect = (k: string, want: unknown) => {
    if (event[k] !== undefined && event[k] !== want) ctx.errors.push(`${k}: ${JSON.stringify(event[k])}, expected ${JSON.stringify(want)}`);
  };
  expect('category_uid', cat.uid);
  expect('category_name', cat.caption);
  expect('class_name', cls.caption);
  expect('type_uid', event.class_uid * 100 + event.activity_id);
  const act = cls.attributes.activity_id?.enum?.[String(event.activity_id)]?.caption;
  if (act) expect('type_name', `${cls.caption}: ${act}`);
  if (event.metadata?.version !== schema.version)
    ctx.errors.push(`metadata.version: ${JSON.stringify(event.metadata?.version)}, this schema is ${schema.version}`);
  checkObject(ctx, cls, event, '');
  return { errors: ctx.errors, warnings: ctx.warnings };
}
