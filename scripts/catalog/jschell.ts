import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../../shared/csv.ts';
import { Adder, type DraftStore } from './draft.ts';

// jschell/RemoteManagementMonitoringTools, "Network Indicators/RMM_SummaryNetworkURI.csv": rows of
// URI,RMM_Tool. Tool labels are loosely spelled ("anydesk", "Simple-Help"); the alias table maps them.
// Some URIs are substrings meant for "has_any" matching ("atera-agent-heartbeat"), not domains; the
// domain cleaner drops those.

export const JSCHELL_FILE = 'RMM_SummaryNetworkURI.csv';
const MAX_LINES = 100_000; // a few hundred today

export function importJschell(dir: string, store: DraftStore, commit: string): number {
  const csv = readCsv(readFileSync(join(dir, JSCHELL_FILE), 'utf8'), { maxLines: MAX_LINES });
  if (csv.lineCount > MAX_LINES) throw new Error(`jschell/${JSCHELL_FILE}: more than ${MAX_LINES} lines`);
  const [first, ...body] = csv.rows;
  const header = first?.cells ?? [];
  const uriCol = header.indexOf('URI');
  const toolCol = header.indexOf('RMM_Tool');
  if (uriCol === -1 || toolCol === -1) throw new Error(`jschell/${JSCHELL_FILE}: expected columns URI,RMM_Tool`);
  const ref = `https://github.com/jschell/RemoteManagementMonitoringTools/blob/${commit}/Network%20Indicators/${JSCHELL_FILE}`;
  let rows = 0;
  for (const { line, cells, unclosed } of body) {
    if (unclosed) throw new Error(`jschell/${JSCHELL_FILE}:${line}: a quoted cell is not closed`);
    const label = cells[toolCol];
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
