import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { listingCollector, parseTabListing } from './package-listing.ts';

// RPM packages (Fedora, RHEL, SUSE). rpm prints "(none)" for an empty tag.

export const RPM_ARGS = ['-qa', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{VENDOR}\\n'];

export function parseRpm(out: string): PackageInfo[] {
  return parseTabListing(out, ([name, version, vendor]) => {
    if (!name || version === undefined) return undefined;
    const p: PackageInfo = { name: clean(name, 256), version: cleanOpt(version, 256), source: 'rpm' };
    const publisher = vendor === '(none)' ? undefined : cleanOpt(vendor, 256);
    if (publisher) p.publisher = publisher;
    return p;
  });
}

export const linuxRpm: Collector = listingCollector('linux.rpm', 'rpm', RPM_ARGS, parseRpm);
