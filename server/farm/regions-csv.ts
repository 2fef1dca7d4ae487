// The optional CSV of where each user is expected to work:
//   user,countries,timezones
//   alice@corp.example,US;CA,America/New_York;America/Toronto
//   CORP\bob,DE,
// Countries are ISO 3166 alpha-2 codes, time zones IANA names or Windows IDs; several per cell separated
// by ";" or spaces. Lines starting with "#" and blank lines are skipped; cells may be "double-quoted".
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
  const q = JSON.stringify(v.slice(0, 80));
  return q.length > 70 ? `${q.slice(0, 64)}..."` : q;
}

/** Splits one CSV line (RFC 4180 quoting, no embedded newlines); undefined when a quote is not closed. */
function cells(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') { quoted = true; cur = ''; }
    else if (ch === ',') { out.push(cur.trim()); cur = ''; }
    else cur += ch;
  }
  if (quoted) return undefined;
  out.push(cur.trim());
  return out;
}

function knownZone(tz: string): boolean {
  if (tz in ZONE_COUNTRY || tz in WINDOWS_ZONE_COUNTRIES) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz }); // UTC, Etc/GMT+5 and other zones without a country
    return true;
  } catch {
    return false;
  }
}

export function parseRegionsCsv(text: string, origin = 'regions.csv'): RegionsCsv {
  const regions = new Map<string, ExpectedRegion>();
  const errors: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > MAX_ROWS) {
    return { regions, errors: [`${origin}: ${lines.length} lines, more than the ${MAX_ROWS} allowed`] };
  }
  let header = false;
  lines.forEach((raw, i) => {
    const at = `${origin}:${i + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const row = cells(line);
    if (!row) return void errors.push(`${at}: a quoted cell is not closed`);
    if (!header && row[0].toLowerCase() === 'user') { header = true; return; }
    header = true;
    if (row.length > 3) return void errors.push(`${at}: ${row.length} cells, expected user,countries,timezones`);
    const user = normalizeUser(row[0]);
    if (!user) return void errors.push(`${at}: no user`);
    if (regions.has(user)) return void errors.push(`${at}: user ${show(user)} already has a row`);
    const countries = (row[1] ?? '').split(/[;\s]+/).filter(Boolean).map((c) => c.toUpperCase());
    const badCountry = countries.find((c) => !/^[A-Z]{2}$/.test(c));
    if (badCountry) return void errors.push(`${at}: country ${show(badCountry)} is not an ISO 3166 two-letter code`);
    // Windows IDs contain spaces, so a ";"-separated part that is a known Windows ID is taken whole
    const timezones = (row[2] ?? '').split(';').map((p) => p.trim()).filter(Boolean)
      .flatMap((p) => (p in WINDOWS_ZONE_COUNTRIES ? [p] : p.split(/\s+/)));
    const badZone = timezones.find((z) => !knownZone(z));
    if (badZone) return void errors.push(`${at}: time zone ${show(badZone)} is not an IANA name or Windows ID`);
    if (!countries.length && !timezones.length) return void errors.push(`${at}: user ${show(user)} has neither countries nor time zones`);
    const region: ExpectedRegion = {};
    if (countries.length) region.countries = [...new Set(countries)];
    if (timezones.length) region.timezones = [...new Set(timezones)];
    regions.set(user, region);
  });
  return { regions, errors };
}
