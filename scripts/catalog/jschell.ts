import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Adder, type DraftStore } from './draft.ts';

// jschell/RemoteManagementMonitoringTools, "Network Indicators/RMM_SummaryNetworkURI.csv": rows of
// URI,RMM_Tool. Tool labels are loosely spelled ("anydesk", "Simple-Help"); the alias table maps them.
// Some URIs are substrings meant for "has_any" matching ("atera-agent-heartbeat"), not domains; the
// domain cleaner drops those.

export const JSCHELL_FILE = 'RMM_SummaryNetworkURI.csv';

/** RFC 4180 fields: commas inside double quotes, "" as an escaped quote. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function importJschell(dir: string, store: DraftStore, commit: string): number {
  const text = readFileSync(join(dir, JSCHELL_FILE), 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = parseCsvLine(lines[0] ?? '').map((h) => h.trim());
  const uriCol = header.indexOf('URI');
  const toolCol = header.indexOf('RMM_Tool');
  if (uriCol === -1 || toolCol === -1) throw new Error(`jschell/${JSCHELL_FILE}: expected columns URI,RMM_Tool`);
  const ref = `https://github.com/jschell/RemoteManagementMonitoringTools/blob/${commit}/Network%20Indicators/${JSCHELL_FILE}`;
  let rows = 0;
  for (const line of lines.slice(1)) {
    const cells = parseCsvLine(line);
    const label = cells[toolCol]?.trim();
    if (!label) continue;
    const draft = store.get(label);
    const add = new Adder(store, draft, `jschell/${JSCHELL_FILE}`, false);
    draft.sources.add('jschell');
    add.domain(cells[uriCol]);
    add.reference(ref);
    rows++;
  }
  return rows;
}
