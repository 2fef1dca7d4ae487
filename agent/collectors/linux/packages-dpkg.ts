import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { listingCollector, parseTabListing } from './package-listing.ts';

// Debian/Ubuntu packages. db:Status-Abbrev is three letters: desired action, current status, error flag
// (dpkg-query(1)); the second one says whether the package's files are on disk.

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not a template literal
export const DPKG_ARGS = ['-W', '-f=${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'];

// installed, unpacked, half-configured, half-installed, triggers-awaited, triggers-pending; not
// 'n' (not-installed) nor 'c' (config-files: removed, only its conffiles left)
const ON_DISK = new Set(['i', 'U', 'F', 'H', 'W', 't']);

export function parseDpkg(out: string): PackageInfo[] {
  return parseTabListing(out, ([name, version, status]) => {
    if (!name || status === undefined || !ON_DISK.has(status.charAt(1))) return undefined;
    return { name: clean(name, 256), version: cleanOpt(version, 256), source: 'dpkg' };
  });
}

export const linuxDpkg: Collector = listingCollector('linux.dpkg', 'dpkg-query', DPKG_ARGS, parseDpkg);
