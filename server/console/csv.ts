// CSV out (host export) and in (expected regions). Cells from agents may start with = + - @ to become
// formulas in a spreadsheet (CSV injection): such cells get a leading apostrophe, and every cell is quoted.
import { clean } from '../../agent/text.ts';
import { defuseCsvCell, readCsv } from '../../shared/csv.ts';
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

const MAX_ROWS = 100_000;

/**
 * The expected-regions CSV: a header row naming `user` and `countries` and/or `timezones` columns; several
 * values in one cell separated by spaces or semicolons. Countries are ISO 3166 alpha-2, time zones IANA names.
 * Returns the rows, or the first problem with its line number.
 */
export function parseExpectedRegions(text: string): { rows: ExpectedRegionRow[] } | { error: string } {
  const csv = readCsv(text, { maxLines: MAX_ROWS + 1 });
  if (csv.lineCount > MAX_ROWS + 1) return { error: `Too many rows (at most ${MAX_ROWS}).` };
  const [first, ...body] = csv.rows;
  const header = (first?.cells ?? []).map((h) => h.toLowerCase());
  const iu = header.indexOf('user');
  const ic = header.findIndex((h) => h === 'countries' || h === 'country');
  const it = header.findIndex((h) => h === 'timezones' || h === 'timezone');
  if (iu < 0 || (ic < 0 && it < 0))
    return { error: 'Line 1: the header must name a "user" column and a "countries" or "timezones" column.' };
  const rows: ExpectedRegionRow[] = [];
  const seen = new Set<string>();
  for (const { line, cells: c, unclosed } of body) {
    const at = `Line ${line}`;
    if (unclosed) return { error: `${at}: a quoted cell is not closed.` };
    const user = c[iu] ?? '';
    const split = (i: number) => (i < 0 ? [] : (c[i] ?? '').split(/[\s;]+/).filter(Boolean));
    const countries = split(ic).map((x) => x.toUpperCase());
    const timezones = split(it);
    if (!user) return { error: `${at}: the user is empty.` };
    if (user.length > 256) return { error: `${at}: the user name is longer than 256 characters.` };
    if (seen.has(user.toLowerCase())) return { error: `${at}: user ${clean(user, 80)} appears twice.` };
    const badCountry = countries.find((x) => !/^[A-Z]{2}$/.test(x));
    if (badCountry !== undefined) return { error: `${at}: "${clean(badCountry, 40)}" is not a two-letter country code.` };
    const badZone = timezones.find((x) => !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(x));
    if (badZone !== undefined) return { error: `${at}: "${clean(badZone, 40)}" is not a time zone name.` };
    if (!countries.length && !timezones.length) return { error: `${at}: give at least one country or time zone.` };
    seen.add(user.toLowerCase());
    rows.push({ user, countries, timezones });
  }
  if (!rows.length) return { error: 'The file has a header but no rows.' };
  return { rows };
}
