// Where a host's settings point: time zone -> countries, locale -> country, input method -> language.
// Compared with where its user is expected to work (a CSV row or the company default). A few values are
// critical for everyone: the DPRK time zone and DPRK locales, which no legitimate remote employee uses.
import type { Severity } from '../../agent/model.ts';
import type { ExpectedRegion, RegionMismatch } from './types.ts';
import { WINDOWS_ZONE_COUNTRIES } from './windows-zones.ts';
import { ZONE_COUNTRY } from './zone-countries.ts';

const ALWAYS_CRITICAL_COUNTRIES = new Set(['KP']);

/** The countries a time zone name (IANA, its old aliases, or a Windows ID) points to; [] when unknown. */
export function zoneCountries(tz: string): readonly string[] {
  const cc = ZONE_COUNTRY[tz];
  if (cc) return [cc];
  return WINDOWS_ZONE_COUNTRIES[tz] ?? [];
}

/**
 * The region of a locale, whatever the OS spells: "ko_KP.UTF-8", "ko-KP", "zh-Hans-CN", "en_US@rg=gbzzzz".
 * undefined when the locale names no country ("C", "POSIX", "en").
 */
export function localeCountry(locale: string): string | undefined {
  const base = locale.replace(/[.@].*$/, '');
  const parts = base.split(/[_-]/);
  for (const p of parts.slice(1)) if (/^[A-Za-z]{2}$/.test(p)) return p.toUpperCase();
  return undefined;
}

// Languages whose input methods say something about where a laptop's user comes from; the countries
// where each is a national language. Latin-script keyboard layouts say too little to be checked.
const LANGUAGE_COUNTRIES: Record<string, readonly string[]> = {
  ko: ['KR', 'KP'],
  zh: ['CN', 'TW', 'HK', 'MO', 'SG'],
  ja: ['JP'],
  ru: ['RU', 'BY', 'KZ', 'KG'],
};
// Windows LANGID primary language (low 10 bits) -> language
const WINDOWS_PRIMARY_LANG = new Map<number, string>([
  [0x12, 'ko'],
  [0x04, 'zh'],
  [0x11, 'ja'],
  [0x19, 'ru'],
]);

/** The language of an input method as the agent reports it on Linux, macOS or Windows; undefined when not one we check. */
export function inputMethodLanguage(im: string): string | undefined {
  const s = im.toLowerCase();
  const tip = /^([0-9a-f]{4}):/.exec(s);
  if (tip) return WINDOWS_PRIMARY_LANG.get(parseInt(tip[1], 16) & 0x3ff);
  // "korean" covers macOS 2SetKorean / 3SetKorean, "pinyin" covers libpinyin / sunpinyin
  if (/hangul|korean|(^|[:\-_])kr($|[:\-_])|(^|[:\-_])kor($|[:\-_])/.test(s)) return 'ko';
  if (/pinyin|rime|chewing|zhuyin|cangjie|wubi|scim|tcim|chinese|(^|[:\-_])cn($|[:\-_])/.test(s)) return 'zh';
  if (/anthy|mozc|kkc|kotoeri|japanese|(^|[:\-_])jp($|[:\-_])|skk/.test(s)) return 'ja';
  if (/russian|(^|[:\-_])ru($|[:\-_])/.test(s)) return 'ru';
  return undefined;
}

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const BY_RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
// Stryker disable next-line EqualityOperator: on equal ranks a and b are the same severity
export const maxSeverity = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);
export const raise = (s: Severity): Severity => BY_RANK[Math.min(4, RANK[s] + 1)];
export const severityRank = (s: Severity): number => RANK[s];

export interface RegionInput {
  timezones: string[];
  locales: string[];
  inputMethods: string[];
}

/**
 * Every value outside the expected region, and the always-critical ones whatever the region.
 * With no expected region only the always-critical values are reported: a Korean keyboard alone is not
 * suspicious without knowing where its user is supposed to be.
 */
export function regionMismatches(input: RegionInput, expected: ExpectedRegion | undefined): RegionMismatch[] {
  const out: RegionMismatch[] = [];
  const exp: ExpectedRegion = expected ?? {};
  const countries = new Set(exp.countries ?? []);
  const zones = new Set(exp.timezones ?? []);
  const hasCountries = countries.size > 0;
  for (const tz of input.timezones) {
    const ccs = zoneCountries(tz);
    if (ccs.length === 1 && ALWAYS_CRITICAL_COUNTRIES.has(ccs[0])) {
      out.push({ field: 'timezone', value: tz, country: ccs[0], expected: exp, always: true, severity: 'critical' });
      continue;
    }
    // nothing expected (no row, or a row without values): only the always-critical zones count
    if (zones.has(tz) || (!hasCountries && zones.size === 0)) continue;
    // a zone we cannot place is only a mismatch when the user's zones are listed (and it is not among them)
    const mismatch = ccs.length ? !ccs.some((c) => countries.has(c)) : !hasCountries;
    if (mismatch)
      out.push({ field: 'timezone', value: tz, country: ccs.length === 1 ? ccs[0] : undefined, expected: exp, severity: 'high' });
  }
  for (const loc of input.locales) {
    const cc = localeCountry(loc);
    if (!cc) continue;
    if (ALWAYS_CRITICAL_COUNTRIES.has(cc)) {
      out.push({ field: 'locale', value: loc, country: cc, expected: exp, always: true, severity: 'critical' });
    } else if (hasCountries && !countries.has(cc)) {
      out.push({ field: 'locale', value: loc, country: cc, expected: exp, severity: 'medium' });
    }
  }
  if (hasCountries) {
    for (const im of input.inputMethods) {
      const lang = inputMethodLanguage(im);
      if (lang && !LANGUAGE_COUNTRIES[lang].some((c) => countries.has(c))) {
        out.push({ field: 'input-method', value: im, expected: exp, severity: 'medium' });
      }
    }
  }
  return out;
}
