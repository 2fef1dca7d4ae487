import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { listingCollector, parseTabListing } from './package-listing.ts';

// Flatpak apps and runtimes. Printed to a pipe, `flatpak list` separates columns with tabs and omits
// the title row; a title row (seen on a terminal) is skipped anyway. The application ID
// (com.rustdesk.RustDesk) is what identifies a flatpak, so it is both name and bundleId.

export const FLATPAK_ARGS = ['list', '--columns=application,version,origin'];

export function parseFlatpakList(out: string): PackageInfo[] {
  return parseTabListing(out, (fields) => {
    const [app, version, origin] = fields.map((s) => s.trim());
    if (!app || /^application( id)?$/i.test(app) || !/^[\w.-]+$/.test(app)) return undefined;
    const p: PackageInfo = { name: clean(app, 256), bundleId: clean(app, 256), source: 'flatpak' };
    const v = cleanOpt(version, 256);
    if (v) p.version = v;
    const o = cleanOpt(origin, 256);
    if (o) p.publisher = o;
    return p;
  });
}

export const linuxFlatpak: Collector = listingCollector('linux.flatpak', 'flatpak', FLATPAK_ARGS, parseFlatpakList);
