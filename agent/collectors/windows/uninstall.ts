import type { PackageInfo } from '../../model.ts';
import type { Collector, CollectorContext } from '../types.ts';
import { cleanOpt } from '../../text.ts';
import { splitCommandLine } from './cmdline.ts';
import { fullKey, regRead, regValue, userHives, type RegKey } from './reg.ts';

// Installed programs as "Apps & features" lists them: the Uninstall keys of the machine (64-bit and
// 32-bit views) and of every loaded user hive (per-user installs such as Zoom, Slack, a user-mode AnyDesk).
// Entries hidden from that list (SystemComponent=1) are kept: hiding is no reason not to report.

const UNINSTALL = 'Microsoft\\Windows\\CurrentVersion\\Uninstall';

export async function uninstallRoots(ctx: CollectorContext): Promise<string[]> {
  const roots = [`HKLM\\SOFTWARE\\${UNINSTALL}`, `HKLM\\SOFTWARE\\WOW6432Node\\${UNINSTALL}`];
  for (const sid of await userHives(ctx)) roots.push(`HKU\\${sid}\\Software\\${UNINSTALL}`);
  return roots;
}

/** "C:\x\app.exe",0 -> C:\x\app.exe; only a program is kept (an .ico says nothing about what runs). */
export function iconProgram(icon: string | undefined): string | undefined {
  if (!icon) return undefined;
  const cmd = splitCommandLine(icon.replace(/,\s*-?\d+\s*$/, ''));
  return cmd && /\.exe$/i.test(cmd.path) ? cmd.path : undefined;
}

function unquote(s: string | undefined): string | undefined {
  const t = s
    ?.trim()
    .replace(/^"(.*)"$/, '$1')
    .trim();
  return t || undefined;
}

/** One package per direct subkey of `root` that has a DisplayName. */
export function packagesFromKeys(root: string, keys: RegKey[]): PackageInfo[] {
  const prefix = fullKey(root).toLowerCase() + '\\';
  const out: PackageInfo[] = [];
  for (const k of keys) {
    const lower = k.path.toLowerCase();
    if (!lower.startsWith(prefix) || lower.slice(prefix.length).includes('\\')) continue;
    const name = cleanOpt(regValue(k, 'DisplayName'), 256);
    if (!name) continue;
    const pkg: PackageInfo = { name, source: 'uninstall' };
    const version = cleanOpt(regValue(k, 'DisplayVersion'), 128);
    if (version) pkg.version = version;
    const publisher = cleanOpt(regValue(k, 'Publisher'), 256);
    if (publisher) pkg.publisher = publisher;
    const location = cleanOpt(unquote(regValue(k, 'InstallLocation')), 1024);
    if (location) pkg.path = location;
    const exec = cleanOpt(iconProgram(regValue(k, 'DisplayIcon')), 1024);
    if (exec) pkg.exec = exec;
    out.push(pkg);
  }
  return out;
}

export const uninstallCollector: Collector = {
  name: 'windows.uninstall',
  async collect(ctx) {
    const packages: PackageInfo[] = [];
    const warnings: string[] = [];
    const roots = await uninstallRoots(ctx);
    const answers = await regRead(
      ctx,
      roots.map((key) => ({ key, recurse: true })),
      'registry read of the Uninstall keys',
    );
    roots.forEach((root, i) => {
      const a = answers[i];
      if (a.keys) packages.push(...packagesFromKeys(root, a.keys));
      if (a.denied) warnings.push(`${root}: ${a.denied} subkey(s) could not be opened (access denied)`);
      if (a.truncated) warnings.push(`${root}: key limit reached, the rest was not read`);
    });
    return warnings.length ? { packages, warnings } : { packages };
  },
};
