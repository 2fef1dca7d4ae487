// CSV out (host export) and in (expected regions). Cells from agents may start with = + - @ to become
// formulas in a spreadsheet (CSV injection): such cells get a leading apostrophe, and every cell is quoted.
import { clean } from '../../agent/text.ts';
import { defuseCsvCell } from '../../shared/csv.ts';
import { parseRegionsCsv } from '../farm/regions-csv.ts';
import type { ExpectedRegionRow, HostRow } from './data.ts';

export function csvCell(v: unknown): string {
  const s = defuseCsvCell(v === undefined || v === null ? '' : clean(Array.isArray(v) ? v.join('; ') : String(v), 4096));
  return `"${s.replace(/"/g, '""')}"`;
}

export const HOST_CSV_HEADER = [
  'agent_id',
  'hostname',
  'user',
  'os',
  'os_version',
  'agent_version',
  'status',
  'max_severity',
  'open_findings',
  'tools',
  'public_ip',
  'first_seen',
  'last_seen',
];

export function hostCsvLine(h: HostRow): string {
  return (
    [
      h.agentId,
      h.hostname,
      h.user,
      h.os,
      h.osVersion,
      h.agentVersion,
      h.status,
      h.maxSeverity,
      h.openFindings,
      h.tools,
      h.publicIp,
      h.firstSeen,
      h.lastSeen,
    ]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}

/**
 * The expected-regions CSV upload, read by the one parser of that file (server/farm/regions-csv.ts:
 * user,countries,timezones; an optional header; "#" comments). The upload is all or nothing: the first
 * problem is shown with its line number and how many more there are.
 */
export function parseExpectedRegions(text: string): { rows: ExpectedRegionRow[] } | { error: string } {
  // Spreadsheets save UTF-8 with a byte-order mark, which would otherwise hide the header's "user".
  const r = parseRegionsCsv(text.replace(/^\ufeff/, ''), 'regions.csv');
  if (r.errors.length) {
    const first = r.errors[0].replace(/^regions\.csv:(\d+): /, 'Line $1: ').replace(/^regions\.csv: /, '');
    const more = r.errors.length - 1;
    return { error: `${first}${more ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}.` };
  }
  if (!r.regions.size) return { error: 'The file has no rows.' };
  return {
    rows: [...r.regions].map(([user, e]) => ({ user, countries: e.countries ?? [], timezones: e.timezones ?? [] })),
  };
}
