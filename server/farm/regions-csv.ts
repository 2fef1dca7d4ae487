// The optional CSV of where each user is expected to work:
//   user,countries,timezones
//   alice@corp.example,US;CA,America/New_York;America/Toronto
//   CORP\bob,DE,
// Countries are ISO 3166 alpha-2 codes, time zones IANA names or Windows IDs; several per cell separated
// by ";" or spaces. Lines starting with "#" and blank lines are skipped; cells may be "double-quoted".
import { readCsv } from '../../shared/csv.ts';
import type { ExpectedRegion } from './types.ts';
import { normalizeUser } from './users.ts';
import { WINDOWS_ZONE_COUNTRIES } from './windows-zones.ts';
import { ZONE_COUNTRY } from './zone-countries.ts';

const MAX_ROWS = 1_000_000;

export interface RegionsCsv {
  regions: Map<string, ExpectedRegion>;
  errors: string[]; // one line each: "<origin>:<line>: <what is wrong>"; the row is left out
}

/** A cell quoted and escaped for a one-line message, at most ~70 characters. */
function show(v: string): string {
  // Stryker disable next-line MethodExpression: bounds the work on a huge cell; the message is cut at 64 anyway
  const q = JSON.stringify(v.slice(0, 80));
  return q.length > 70 ? `${q.slice(0, 64)}..."` : q;
}

function knownZone(tz: string): boolean {
  if (tz in ZONE_COUNTRY || tz in WINDOWS_ZONE_COUNTRIES) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz }); // UTC, Etc/GMT+5 and other zones without a country
    return true;
    // Stryker disable next-line BlockStatement: an empty catch returns undefined, as false as false
  } catch {
    return false;
  }
}

/** One row's user and region, or what is wrong with it. */
function regionRow(row: string[]): { user: string; region: ExpectedRegion } | { error: string } {
  if (row.length > 3) return { error: `${row.length} cells, expected user,countries,timezones` };
  const user = normalizeUser(row[0]);
  if (!user) return { error: 'no user' };
  const countries = (row[1] ?? '')
    // Stryker disable next-line Regex: the empty parts a single-character split leaves are filtered out next
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((c) => c.toUpperCase());
  const badCountry = countries.find((c) => !/^[A-Z]{2}$/.test(c));
  if (badCountry) return { error: `country ${show(badCountry)} is not an ISO 3166 two-letter code` };
  // Windows IDs contain spaces, so a ";"-separated part that is a known Windows ID is taken whole
  const timezones = (row[2] ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)
    .flatMap((p) => (p in WINDOWS_ZONE_COUNTRIES ? [p] : p.split(/\s+/)));
  const badZone = timezones.find((z) => !knownZone(z));
  if (badZone) return { error: `time zone ${show(badZone)} is not an IANA name or Windows ID` };
  if (!countries.length && !timezones.length) return { error: `user ${show(user)} has neither countries nor time zones` };
  const region: ExpectedRegion = {};
  if (countries.length) region.countries = [...new Set(countries)];
  if (timezones.length) region.timezones = [...new Set(timezones)];
  return { user, region };
}

export function parseRegionsCsv(text: string, origin = 'regions.csv'): RegionsCsv {
  const regions = new Map<string, ExpectedRegion>();
  const errors: string[] = [];
  const csv = readCsv(text, { maxLines: MAX_ROWS, comments: true });
  if (csv.lineCount > MAX_ROWS) {
    return { regions, errors: [`${origin}: ${csv.lineCount} lines, more than the ${MAX_ROWS} allowed`] };
  }
  let header = false;
  for (const { line, cells, unclosed } of csv.rows) {
    const at = `${origin}:${line}`;
    if (unclosed) {
      errors.push(`${at}: a quoted cell is not closed`);
      continue;
    }
    if (!header && cells[0].toLowerCase() === 'user') {
      header = true;
      continue;
    }
    header = true;
    const r = regionRow(cells);
    if ('error' in r) errors.push(`${at}: ${r.error}`);
    else if (regions.has(r.user)) errors.push(`${at}: user ${show(r.user)} already has a row`);
    else regions.set(r.user, r.region);
  }
  return { regions, errors };
}
