import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { lines } from '../common/text.ts';
import { listingCollector } from './package-listing.ts';

// `snap list` prints an aligned table: Name Version Rev Tracking Publisher Notes. No column holds
// spaces, so whitespace splits it. The publisher carries a verification mark (✓ verified, ✪ starred;
// "*"/"**" without Unicode) that is not part of the account name.

export function parseSnapList(out: string): PackageInfo[] {
  const pkgs: PackageInfo[] = [];
  let header = false;
  for (const line of lines(out)) {
    const f = line.trim().split(/\s+/);
    if (!header) {
      header = f[0] === 'Name' && f[1] === 'Version';
      continue;
    }
    if (f.length < 2 || !f[0]) continue;
    const p: PackageInfo = { name: clean(f[0], 256), version: cleanOpt(f[1], 256), source: 'snap', path: `/snap/${f[0]}` };
    const publisher = cleanOpt(f[4]?.replace(/[✓✪*]+$/u, ''), 256);
    if (publisher && publisher !== '-') p.publisher = publisher;
    pkgs.push(p);
  }
  return pkgs;
}

export const linuxSnap: Collector = listingCollector('linux.snap', 'snap', ['list'], parseSnapList);
