import { join } from 'node:path';
import { Adder, type DraftStore } from './draft.ts';
import { type ExecOs, looksLikeBundleId } from './normalize.ts';
import { asList, asRecord, asString } from './util.ts';
import { readYaml, yamlFiles } from './yaml-files.ts';

// RMML (LivingInSyn/RMML, RMMs/*.yml): one file per tool, named after it. Executables lists are per OS
// and mix program names with install folders ("Program Files\Splashtop\*"); MacOSSigner is an Apple
// Developer ID authority with the Team ID in parentheses.

const LISTS: [string, ExecOs][] = [
  ['Windows', 'windows'],
  ['MacOS', 'darwin'],
  ['Linux', 'linux'],
];

export function importRmml(dir: string, store: DraftStore, commit: string): number {
  const files = yamlFiles(dir);
  for (const file of files) {
    const d = asRecord(readYaml(join(dir, file), `rmml/${file}`));
    const draft = store.get(file.replace(/\.ya?ml$/, ''));
    const add = new Adder(store, draft, `rmml/${file}`, false);
    draft.sources.add('rmml');

    const exe = asRecord(d.Executables);
    for (const [key, os] of LISTS) {
      for (const raw of asList(exe[key])) {
        const v = asString(raw);
        if (!v) continue;
        if (/[\\/]/.test(v)) add.path(v, [os]);
        else add.exec(v, os);
        // macOS system extensions run under their bundle identifier.
        if (os === 'darwin' && looksLikeBundleId(v)) add.bundleId(v);
      }
    }
    add.signer(asString(exe.SignerSubjectName));
    add.signer(asString(exe.MacOSSigner));

    const net = asRecord(d.NetConn);
    for (const dom of asList(net.Domains)) add.domain(dom);
    for (const p of [...asList(net.Ports), ...asList(net.UDPPorts)]) add.port(p);

    const meta = asRecord(d.Meta);
    draft.hints.text.push(asString(meta.Description) ?? '');
    for (const r of asList(meta.References)) add.reference(r);
    add.reference(`https://github.com/LivingInSyn/RMML/blob/${commit}/RMMs/${encodeURIComponent(file)}`);
  }
  return files.length;
}
