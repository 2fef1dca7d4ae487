import { normalizeProductName } from '../catalog/product-name.ts';

// Normal forms the engine compares names in, applied alike to the catalog (when it is indexed) and to what a
// host shows, so spelling, suffix and word-order differences do not hide a tool.

// Legal-form words at the end (or anywhere) of a company name: "RealVNC Limited" and "RealVNC Ltd" are one.
const LEGAL_FORMS = new Set([
  'limited',
  'ltd',
  'llc',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'gmbh',
  'ag',
  'sa',
  'sas',
  'sarl',
  'srl',
  'spa',
  'bv',
  'nv',
  'ab',
  'oy',
  'as',
  'aps',
  'plc',
  'pty',
  'pte',
  'kg',
  'kft',
  'sro',
  'spol',
  'zoo',
  'lp',
  'llp',
  'ou',
  'ug',
  'pvt',
  'private',
]);

/**
 * A signer or company in normal form: no "Developer ID Application:" prefix or "(TEAMID)" suffix, no
 * punctuation, no legal forms, words sorted (personal names appear in either
 * order, "Zhou Huabing" / "Huabing Zhou"). '' when nothing distinctive is left.
 */
export function normSigner(raw: string): string {
  const s = raw
    .toLowerCase()
    // an Authenticode subject given as a distinguished name: the CN names the signer
    .replace(/^\s*cn=([^,]*),?.*$/, '$1')
    .replace(/^(developer id application|apple development|mac developer|3rd party mac developer application)\s*:\s*/, '')
    // Apple's "(TEAMID)" and the collectors' "(HashMismatch)" signature status
    .replace(/\s*\([^()]*\)\s*$/, ' ')
    .replace(/\b(s\.r\.o|sp\. z o\.o|co\.,?\s*ltd)\.?/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
  const words = s.split(' ').filter((w) => w && !LEGAL_FORMS.has(w));
  return words.sort().join(' ');
}

// Trailing build words of an executable stem: "AnyDeskMSI", "frpc-windows-amd64", "radmin3", "rustdesk-1.2.3-x86_64".
const STEM_SUFFIX =
  /(?:[-_ .]?(?:msi|setup|installer|portable|x64|x86|x86_64|amd64|arm64|aarch64|win64|win32|windows|linux|darwin|macos)|[-_ .]?v?\d+(?:\.\d+)*)$/;

/** The executable stem without build suffixes, or undefined when nothing was stripped or too little is left. */
export function executableStem(name: string): string | undefined {
  let s = name
    .trim()
    .toLowerCase()
    .replace(/\.(exe|app|msi)$/, '');
  const start = s;
  for (let i = 0; i < 6; i++) {
    const next = s.replace(STEM_SUFFIX, '');
    if (next === s) break;
    s = next;
  }
  return s !== start && s.length >= 4 ? s : undefined;
}

/** A product name in the catalog's normal form (agent/catalog/product-name.ts). */
export { normalizeProductName };

/**
 * Words of a service or display name, camelCase split and punctuation dropped: "AmmyyAdmin", "ammyy_admin"
 * and "Ammyy Admin Service" all give ammyy, admin(, service). Bounded: names longer than 256 characters
 * are looked at in their first 256.
 */
export function nameWords(raw: string): string[] {
  return raw
    .slice(0, 256)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The catalog form of a service name for word-run matching: its words run together ("ammyy admin" -> "ammyyadmin"). */
export function compactName(raw: string): string {
  return nameWords(raw).join('');
}
