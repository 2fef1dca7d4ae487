import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { runListing } from './exec.ts';
import { clean, cleanOpt, lines } from './text.ts';

// Debian/Ubuntu packages. db:Status-Abbrev is three letters: desired action, current status, error flag
// (dpkg-query(1)); the second one says whether the package's files are on disk.

export const DPKG_ARGS = ['-W', '-f=${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'];

// installed, unpacked, half-configured, half-installed, triggers-awaited, triggers-pending; not
// 'n' (not-installed) nor 'c' (config-files: removed, only its conffiles left)
const ON_DISK = new Set(['i', 'U', 'F', 'H', 'W', 't']);

export function parseDpkg(out: string): PackageInfo[] {
  const pkgs: PackageInfo[] = [];
  for (const line of lines(out)) {
    const [name, version, status] = line.split('\t');
    if (!name || status === undefined || !ON_DISK.has(status.charAt(1))) continue;
    pkgs.push({ name: clean(name, 256), version: cleanOpt(version, 256), source: 'dpkg' });
  }
  return pkgs;
}

export const linuxDpkg: Collector = {
  name: 'linux.dpkg',
  async collect(ctx) {
    return { packages: parseDpkg(await runListing(ctx.runner, 'dpkg-query', DPKG_ARGS)) };
  },
};
