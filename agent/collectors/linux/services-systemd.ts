import type { ServiceInfo, SettingInfo } from '../../model.ts';
import { type DirEntry, type Runner, RunnerError } from '../../runner.ts';
import { SETTING_KEYS } from '../../settings.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { runListing } from '../common/exec.ts';
import { mapLimit } from '../common/pool.ts';
import { lines } from '../common/text.ts';
import { splitArgs } from './text.ts';
import { fromLineOf, type ListDir, listUnitFiles, UNIT_DIRS } from './unit-files.ts';

// systemd services: every installed unit file with its enablement (its folders, as list-unit-files), the live state of
// loaded units (list-units), and the program each one starts (ExecStart= of its unit file), because a
// remote-access server hides behind a bland unit name more easily than behind a bland binary.
// Socket units are listed too, only to see an SSH server that is socket-activated (ssh.socket).

export const UNIT_FILES_ARGS = ['list-unit-files', '--type=service,socket', '--no-legend', '--no-pager'];
export const UNITS_ARGS = ['list-units', '--type=service', '--all', '--no-legend', '--no-pager', '--plain'];

const MAX_UNITS = 5000;
const SSH_UNITS = new Set(['ssh.service', 'sshd.service', 'ssh.socket', 'sshd.socket']);
const ENABLED = new Set(['enabled', 'enabled-runtime', 'linked', 'linked-runtime']);

export interface UnitFileRow {
  unit: string;
  state: string;
}
export interface UnitRow {
  unit: string;
  load: string;
  active: string;
  sub: string;
  description?: string | undefined;
}

// Unit names are [A-Za-z0-9:_.\\@-] (systemd.unit(5)); a line not starting with one is not a unit row.
const UNIT_RE = /^[\w:.\\@-]+\.(service|socket)$/;

export function parseUnitFiles(out: string): UnitFileRow[] {
  const rows: UnitFileRow[] = [];
  for (const line of lines(out)) {
    const [unit, state] = line.trim().split(/\s+/);
    if (unit && state && UNIT_RE.test(unit)) rows.push({ unit, state });
  }
  return rows;
}

export function parseUnits(out: string): UnitRow[] {
  const rows: UnitRow[] = [];
  for (const line of lines(out)) {
    // --plain drops the status bullet, but older systemd prints "●" for failed units regardless
    const m = /^\s*(?:[●*]\s+)?(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m || !UNIT_RE.test(m[1])) continue;
    rows.push({ unit: m[1], load: m[2], active: m[3], sub: m[4], description: m[5]?.trim() || undefined });
  }
  return rows;
}

/** First ExecStart= of the [Service] section: the program and its arguments, prefixes (-@:+!) dropped. */
export function parseExecStart(text: string): { path: string; args?: string | undefined } | undefined {
  let inService = false;
  for (const raw of lines(fromLineOf(text, '[Service]'))) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inService = line === '[Service]';
      continue;
    }
    const m = inService ? /^ExecStart\s*=\s*(.*)$/.exec(line) : null;
    if (!m) continue;
    const value = m[1].replace(/^[-@:+!]+/, '').trim();
    const argv = splitArgs(value);
    if (!argv[0]) continue; // "ExecStart=" alone resets the list in drop-ins
    return { path: argv[0], args: argv.slice(1).join(' ') || undefined };
  }
  return undefined;
}

/** Most unit folders hold far fewer names than this; a longer listing is not kept (see unitFolderNames). */
const MAX_FOLDER_NAMES = 20_000;

/**
 * The names in each unit folder, from one listing each, so that finding a unit's file does not try to
 * read it in every folder before the one that holds it: most units live in the vendor folder, fifth in
 * the search order, and those failed reads were most of the file operations of a scan. A folder that
 * does not exist holds nothing; one that cannot be listed (or holds more than MAX_FOLDER_NAMES) is left
 * out, and its files are tried one by one as before.
 */
async function unitFolderNames(listDir: ListDir): Promise<Map<string, Set<string>>> {
  const names = new Map<string, Set<string>>();
  for (const dir of UNIT_DIRS) {
    try {
      const ents = await listDir(dir);
      if (ents.length <= MAX_FOLDER_NAMES) names.set(dir, new Set(ents.map((e) => e.name)));
    } catch (e) {
      if (e instanceof RunnerError && e.code === 'ENOENT') names.set(dir, new Set());
    }
  }
  return names;
}

/** The unit file that defines a unit; an instance (getty@tty1) is defined by its template (getty@). */
async function findUnitFile(
  read: (file: string) => Promise<string | undefined>,
  folders: Map<string, Set<string>>,
  unit: string,
): Promise<{ file: string; text: string } | undefined> {
  const names = [unit];
  const inst = /^([^@]+@)[^@]+(\.\w+)$/.exec(unit);
  if (inst) names.push(inst[1] + inst[2]);
  for (const dir of UNIT_DIRS) {
    const listed = folders.get(dir);
    for (const n of names) {
      if (listed && !listed.has(n)) continue;
      const text = await read(`${dir}/${n}`);
      if (text !== undefined) return { file: `${dir}/${n}`, text };
    }
  }
  return undefined;
}

function sshSetting(files: UnitFileRow[], units: UnitRow[]): SettingInfo | undefined {
  const known = files.filter((r) => SSH_UNITS.has(r.unit));
  const live = units.filter((r) => SSH_UNITS.has(r.unit));
  if (!known.length && !live.length) return undefined;
  const enabled = known.some((r) => ENABLED.has(r.state));
  const running = live.some((r) => r.active === 'active');
  const what = [...known.map((r) => `${r.unit} ${r.state}`), ...live.map((r) => `${r.unit} ${r.active}`)].join(', ');
  return { key: SETTING_KEYS.sshServerEnabled, value: enabled || running, source: `systemctl: ${clean(what, 300)}` };
}

// systemd ships its own units in the vendor folder: when they are there the folders are the installation
// itself and are read directly; otherwise (a capture, a trimmed container) systemctl is asked
const SYSTEMD_OWN_UNIT = 'systemd-journald.service';
/** systemd creates it at boot when it is PID 1; sd_booted() checks it, and so does systemctl before giving up. */
export const SYSTEMD_BOOTED = '/run/systemd/system';

async function unitFoldersComplete(runner: Runner): Promise<boolean> {
  for (const dir of ['/usr/lib/systemd/system', '/lib/systemd/system']) {
    if (await runner.exists(`${dir}/${SYSTEMD_OWN_UNIT}`)) return true;
  }
  return false;
}

async function liveUnits(runner: Runner, installed: boolean, warnings: string[]): Promise<string> {
  if (installed && !(await runner.exists(SYSTEMD_BOOTED))) {
    warnings.push(`unit states unknown: systemd is not running here (no ${SYSTEMD_BOOTED})`);
    return '';
  }
  return runListing(runner, 'systemctl', UNITS_ARGS).catch((e: Error) => {
    warnings.push(`unit states unknown: ${e.message}`);
    return '';
  });
}

export const linuxSystemd: Collector = {
  name: 'linux.systemd',
  async collect(ctx) {
    const { runner } = ctx;
    const texts = new Map<string, Promise<string | undefined>>();
    const read = (file: string) => {
      let t = texts.get(file);
      if (!t)
        texts.set(
          file,
          (t = runner.readFile(file, 64 * 1024).then(
            (b) => b.toString('utf8'),
            () => undefined,
          )),
        );
      return t;
    };
    // the unit folders are listed twice (enablement, then each unit's file): once is enough
    const listings = new Map<string, Promise<DirEntry[]>>();
    const listDir: ListDir = (dir) => {
      let l = listings.get(dir);
      if (!l) listings.set(dir, (l = runner.readDir(dir)));
      return l;
    };
    const installed = await unitFoldersComplete(runner);
    const files = installed
      ? await listUnitFiles(runner, read, listDir)
      : parseUnitFiles(await runListing(runner, 'systemctl', UNIT_FILES_ARGS));
    // list-units needs a running systemd (not in containers); enablement alone is still worth reporting,
    // and the scan says which half is missing. Live states have no file to read them from (only systemd's
    // D-Bus API knows them), so systemctl is asked, except where it can only fail: on a real installation
    // without /run/systemd/system, systemd is not PID 1 (sd_booted(3)) and systemctl refuses to operate.
    const warnings: string[] = [];
    const units = parseUnits(await liveUnits(runner, installed, warnings));

    const byUnit = new Map<string, { state?: string; live?: UnitRow }>();
    for (const r of files) if (r.unit.endsWith('.service')) byUnit.set(r.unit, { state: r.state });
    for (const u of units) byUnit.set(u.unit, { ...byUnit.get(u.unit), live: u });
    const list = [...byUnit.entries()].slice(0, MAX_UNITS);

    const folders = await unitFolderNames(listDir);
    const defs = await mapLimit(list, 8, ([unit]) => findUnitFile(read, folders, unit));
    const services: ServiceInfo[] = list.map(([unit, { state, live }], i) => {
      const s: ServiceInfo = {
        name: clean(unit.replace(/\.service$/, ''), 256),
        source: 'systemd',
        file: clean(defs[i]?.file ?? unit, 4096),
      };
      if (state) s.startType = clean(state, 64);
      if (live) s.state = clean(live.sub, 64);
      const desc = cleanOpt(live?.description, 512);
      if (desc) s.displayName = desc;
      const exec = defs[i] && parseExecStart(defs[i]!.text);
      if (exec) {
        s.path = clean(exec.path, 4096);
        const args = cleanOpt(exec.args, 4096);
        if (args) s.args = args;
      }
      return s;
    });
    const ssh = sshSetting(files, units);
    return { services, settings: ssh ? [ssh] : [], warnings };
  },
};
