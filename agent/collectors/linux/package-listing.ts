import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { runListing } from '../common/exec.ts';
import { lines } from '../common/text.ts';

/**
 * One package per line of a tab-separated listing (dpkg-query -f, rpm --qf, flatpak list on a pipe);
 * `row` returns undefined for a line that is not a package.
 */
export function parseTabListing(out: string, row: (fields: string[]) => PackageInfo | undefined): PackageInfo[] {
  const pkgs: PackageInfo[] = [];
  for (const line of lines(out)) {
    const p = row(line.split('\t'));
    if (p) pkgs.push(p);
  }
  return pkgs;
}

/** A collector whose packages are what one listing command prints. */
export function listingCollector(name: string, cmd: string, args: string[], parse: (out: string) => PackageInfo[]): Collector {
  return {
    name,
    async collect(ctx) {
      return { packages: parse(await runListing(ctx.runner, cmd, args)) };
    },
  };
}
