import type { PackageInfo } from '../../model.ts';
import type { Collector } from '../types.ts';
import { runListing } from './exec.ts';
import { clean, cleanOpt, lines } from './text.ts';

// RPM packages (Fedora, RHEL, SUSE). rpm prints "(none)" for an empty tag.

export const RPM_ARGS = ['-qa', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{VENDOR}\\n'];

export function parseRpm(out: string): PackageInfo[] {
  const pkgs: PackageInfo[] = [];
  for (const line of lines(out)) {
    const [name, version, vendor] = line.split('\t');
    if (!name || version === undefined) continue;
    const p: PackageInfo = { name: clean(name, 256), version: cleanOpt(version, 256), source: 'rpm' };
    const publisher = vendor === '(none)' ? undefined : cleanOpt(vendor, 256);
    if (publisher) p.publisher = publisher;
    pkgs.push(p);
  }
  return pkgs;
}

export const linuxRpm: Collector = {
  name: 'linux.rpm',
  async collect(ctx) {
    return { packages: parseRpm(await runListing(ctx.runner, 'rpm', RPM_ARGS)) };
  },
};
