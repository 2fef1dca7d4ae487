import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { runListing } from './exec.ts';
import { clean, cleanOpt, lines } from './text.ts';

// Flatpak apps and runtimes. Printed to a pipe, `flatpak list` separates columns with tabs and omits
// the title row; a title row (seen on a terminal) is skipped anyway. The application ID
// (com.rustdesk.RustDesk) is what identifies a flatpak, so it is both name and bundleId.

export const FLATPAK_ARGS = ['list', '--columns=application,version,origin'];

export function parseFlatpakList(out: string): PackageInfo[] {
  const pkgs: PackageInfo[] = [];
  for (const line of lines(out)) {
    const [app, version, origin] = line.split('\t').map((s) => s.trim());
    if (!app || /^application( id)?$/i.test(app) || !/^[\w.-]+$/.test(app)) continue;
    const p: PackageInfo = { name: clean(app, 256), bundleId: clean(app, 256), source: 'flatpak' };
    const v = cleanOpt(version, 256);
    if (v) p.version = v;
    const o = cleanOpt(origin, 256);
    if (o) p.publisher = o;
    pkgs.push(p);
  }
  return pkgs;
}

export const linuxFlatpak: Collector = {
  name: 'linux.flatpak',
  async collect(ctx) {
    return { packages: parseFlatpakList(await runListing(ctx.runner, 'flatpak', FLATPAK_ARGS)) };
  },
};
