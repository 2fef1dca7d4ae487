import { join } from 'node:path';
import { Adder, type DraftStore } from './draft.ts';
import { baseName, type ExecOs } from './normalize.ts';
import { asList, asRecord, asString, osOfLabel } from './util.ts';
import { readYaml, yamlFiles } from './yaml-files.ts';

// LOLRMM (magicsword-io/LOLRMM, yaml/*.yaml). Schema: upstream bin/spec/lolrmm.spec.json. Executable
// names hide in Details.InstallationPaths (bare names and paths mixed) and Details.PEMetadata; service
// names in Artifacts.EventLog and Artifacts.Registry; OS labels vary ("Mac", "MacOS", "macOS").

const SERVICE_KEY = /\\services\\([^\\*]+)\\?$/i;
const OTHER_SERVICE_TYPES = /^(service|service ?name|windows service name|linux systemd service|macos launchdaemon label)$/i;

export function importLolrmm(dir: string, store: DraftStore, commit: string): number {
  const files = yamlFiles(dir);
  for (const file of files) {
    const d = asRecord(readYaml(join(dir, file), `lolrmm/${file}`));
    const name = asString(d.Name);
    if (!name) throw new Error(`lolrmm/${file}: no Name`);
    const draft = store.get(name);
    const add = new Adder(store, draft, `lolrmm/${file}`, false);
    draft.sources.add('lolrmm');
    if (!draft.hints.lolrmmCategory) draft.hints.lolrmmCategory = asString(d.Category);
    draft.hints.text.push(asString(d.Description) ?? '');

    const details = asRecord(d.Details);
    const supported = asList(details.SupportedOS).flatMap((l) => osOfLabel(l));
    // Bare names carry no OS; a tool that runs on Linux or macOS may use them there, a Windows-only one not.
    const unix: ExecOs[] =
      supported.length === 0 ? ['linux', 'darwin'] : (['linux', 'darwin'] as ExecOs[]).filter((o) => supported.includes(o));

    const artifacts = asRecord(d.Artifacts);
    // Bare names that are also listed as files on disk ("tmate.sock", "tmate-ready") are files, not programs.
    const diskFiles = new Set(asList(artifacts.Disk).map((x) => baseName(asString(asRecord(x).File) ?? '').toLowerCase()));

    for (const raw of [...asList(details.InstallationPaths), ...asList(d.InstallationPaths)]) {
      const v = asString(raw);
      if (!v) continue;
      if (serviceFromPath(add, v)) continue;
      if (/[\\/]/.test(v)) add.path(v, unix);
      else if (diskFiles.has(v.toLowerCase())) store.countDrop('process', 'file, not a program');
      else add.exec(v, undefined, unix);
    }
    // PEMetadata names Windows binaries, except for tools that only run elsewhere (GLPI, tmate, PiTunnel...).
    const peHint: ExecOs | undefined = supported.length === 0 || supported.includes('windows') ? 'windows' : undefined;
    for (const pe of asList(details.PEMetadata).concat(isPlainObject(details.PEMetadata) ? [details.PEMetadata] : [])) {
      const m = asRecord(pe);
      add.exec(asString(m.Filename), peHint, unix);
      add.exec(asString(m.OriginalFileName), peHint, unix);
      add.pe(asString(m.OriginalFileName));
    }

    for (const net of asList(artifacts.Network)) {
      const n = asRecord(net);
      for (const dom of asList(n.Domains)) add.domain(dom);
      for (const p of asList(n.Ports)) add.port(p);
    }
    for (const ev of asList(artifacts.EventLog)) {
      const e = asRecord(ev);
      add.service(asString(e.ServiceName));
      const image = /([^"\\/]+\.exe)\b/i.exec(asString(e.ImagePath) ?? '');
      if (image) add.exec(image[1], 'windows');
    }
    for (const reg of asList(artifacts.Registry)) {
      const m = SERVICE_KEY.exec(asString(asRecord(reg).Path) ?? '');
      if (m) add.service(m[1]);
    }
    for (const other of asList(artifacts.Other)) {
      const o = asRecord(other);
      const type = asString(o.Type) ?? '';
      if (OTHER_SERVICE_TYPES.test(type)) add.service(asString(o.Value));
      else if (/^macos daemon$/i.test(type)) add.exec(asString(o.Value), 'darwin');
    }

    // CodeSigning.certificates are not used: they describe whatever signed samples were found, including
    // bundled third-party binaries (PuTTY inside mRemoteNG, WinSCP inside pcvisit), so their signer would
    // blame the wrong tool.
    const signing = asRecord(d.CodeSigning);
    for (const s of [...asList(signing.signer_names), ...asList(signing.company_names)]) add.signer(s);

    add.reference(asString(details.Website));
    for (const r of asList(d.References)) add.reference(r);
    add.reference(`https://github.com/magicsword-io/LOLRMM/blob/${commit}/yaml/${encodeURIComponent(file)}`);
  }
  return files.length;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Unit files, init scripts and launchd plists listed as install paths name a service, not a program. */
function serviceFromPath(add: Adder, raw: string): boolean {
  const p = raw.trim();
  const unit = /\/systemd\/system\/([^/]+)\.service$/.exec(p) ?? /^\/etc\/init\.d\/([^/]+)$/.exec(p);
  const plist = /\/Library\/Launch(Daemons|Agents)\/([^/]+)\.plist$/.exec(p);
  if (unit) add.service(unit[1]);
  else if (plist) add.service(plist[2]);
  else return false;
  return true;
}
