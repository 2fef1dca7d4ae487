import { CATEGORIES } from '../../agent/vocabulary.ts';
import type { Category } from '../../agent/model.ts';
import { Adder, type DraftStore } from './draft.ts';
import { asList, asRecord } from './util.ts';
import { readYaml } from './yaml-files.ts';

// shared/catalog/extras.yaml: tools the upstream lists lack or cover badly, written by us. An entry whose
// id (or name) an upstream source already produced augments that tool instead of adding a second one.
// Extras go through the same cleaners as upstream data, but strictly: a value a rule rejects is an error.

const KEYS = new Set([
  'id',
  'name',
  'category',
  'notes',
  'processes',
  'paths',
  'bundleIds',
  'packages',
  'services',
  'domains',
  'ports',
  'signers',
  'teamIds',
  'peOriginalFilenames',
  'usb',
  'displayNames',
  'settings',
  'banners',
  'references',
  'scripts',
  'productNames',
  'commandLines',
]);
const OS_KEYS = new Set(['windows', 'darwin', 'linux']);

export function importExtras(file: string, store: DraftStore): number {
  const tools = asRecord(readYaml(file, `extras ${file}`)).tools;
  if (!Array.isArray(tools)) throw new Error(`extras ${file}: "tools" must be a list`);
  const seen = new Set<string>();
  tools.forEach((entry, i) => {
    const where = `extras tools[${i}]`;
    const e = asRecord(entry);
    for (const k of Object.keys(e)) if (!KEYS.has(k)) throw new Error(`${where}: unknown field "${k}"`);
    const id = e.id;
    if (typeof id !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new Error(`${where}: id must be kebab-case`);
    if (seen.has(id)) throw new Error(`${where}: id "${id}" appears twice`);
    seen.add(id);
    if (typeof e.name !== 'string' || !e.name.trim()) throw new Error(`${where} (${id}): name is required`);
    if (e.category !== undefined && !CATEGORIES.includes(e.category as Category)) {
      throw new Error(`${where} (${id}): unknown category ${JSON.stringify(e.category)}`);
    }
    const refs = asList(e.references);
    if (!refs.length) throw new Error(`${where} (${id}): references are required`);

    const draft = store.get(e.name, id);
    draft.name = e.name.trim();
    draft.nameFixed = true;
    if (e.category) draft.category = e.category as Category;
    draft.sources.add('ratwatch');
    const add = new Adder(store, draft, `${where} (${id})`, true);

    const procs = asRecord(e.processes);
    for (const k of Object.keys(procs)) if (!OS_KEYS.has(k)) throw new Error(`${where} (${id}): processes.${k} is not an OS`);
    for (const os of ['windows', 'darwin', 'linux'] as const)
      for (const n of list(where, id, `processes.${os}`, procs[os])) add.exec(n, os);
    for (const p of list(where, id, 'paths', e.paths)) add.path(p, []);
    for (const v of list(where, id, 'bundleIds', e.bundleIds)) add.bundleId(v);
    for (const v of list(where, id, 'packages', e.packages)) add.pkg(v);
    for (const v of list(where, id, 'services', e.services)) add.service(v);
    for (const v of list(where, id, 'domains', e.domains)) add.domain(v);
    for (const v of asList(e.ports)) add.port(v);
    for (const v of list(where, id, 'signers', e.signers)) add.signer(v);
    for (const v of list(where, id, 'teamIds', e.teamIds)) add.teamId(v);
    for (const v of list(where, id, 'peOriginalFilenames', e.peOriginalFilenames)) add.pe(v);
    for (const v of list(where, id, 'displayNames', e.displayNames)) add.displayName(v);
    for (const v of list(where, id, 'banners', e.banners)) add.banner(v);
    for (const v of list(where, id, 'scripts', e.scripts)) add.script(v);
    for (const v of list(where, id, 'productNames', e.productNames)) add.productName(v);
    for (const v of list(where, id, 'commandLines', e.commandLines)) add.commandLine(v);
    for (const u of asList(e.usb)) {
      const r = asRecord(u);
      add.usb(r.vendorId, r.productId, r.strings ?? []);
    }
    for (const s of asList(e.settings)) {
      const r = asRecord(s);
      add.setting(r.key, r.equals);
    }
    for (const r of refs) add.reference(r);
  });
  return tools.length;
}

function list(where: string, id: string, field: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new Error(`${where} (${id}): ${field} must be a list of strings`);
  }
  return v as string[];
}
