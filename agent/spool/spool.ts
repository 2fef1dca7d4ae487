import { promises as fs } from 'node:fs';
import path from 'node:path';
import { oneLine } from '../config/errors.ts';
import { readSafeFile, spoolDirProblem, UnsafeFileError } from '../config/safe-file.ts';
import { clean, compareCodeUnits } from '../text.ts';
import { upgradeReport } from '../report/upgrade.ts';
import { reportProblem, type NativeReport, type ReportKind } from '../report/types.ts';
import { atomicWrite, durableMove, ensurePrivateDir, TMP_PREFIX } from './atomic.ts';
import { withSpoolLock } from './lock.ts';
import { OWN_FILE_NAMES, SpoolRecord, type SpoolFile, type SpoolRecords } from './records.ts';

// Reports wait here, one file per report, until the endpoint takes them. File names sort in sequence
// order so delivery keeps the order they were made in. Anything that is not a complete report goes
// to quarantine/ (kept for a person to look at), a report the server refused goes to rejected/.
// This module owns the folder: the agent's other files in it are records (records.ts) handed out here.

export interface SpoolEntry {
  name: string;
  sequence: number;
  kind: ReportKind;
  reportId: string;
  bytes: number;
}

export interface SpoolOptions {
  maxFiles: number;
  maxBytes: number;
  log: (line: string) => void;
}

/** The name of a pending report file (spoolFileName's output); anything else in the folder is not a report. */
export const REPORT_FILE_NAME = /^(\d{12})-(full|delta|heartbeat)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;
// A report is a few MiB at most; a bigger file is not one of ours
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
export const REJECTED_DIR = 'rejected';
export const QUARANTINE_DIR = 'quarantine';
const QUARANTINE_KEEP = 200;

export class SpoolCorruptError extends Error {
  constructor(
    readonly entryName: string,
    why: string,
  ) {
    super(`${entryName}: ${why}`);
    this.name = 'SpoolCorruptError';
  }
}

export function spoolFileName(r: Pick<NativeReport, 'sequence' | 'kind' | 'reportId'>): string {
  return `${String(r.sequence).padStart(12, '0')}-${r.kind}-${r.reportId}.json`;
}

function parseName(name: string): Omit<SpoolEntry, 'bytes'> | undefined {
  const m = REPORT_FILE_NAME.exec(name);
  return m ? { name, sequence: Number(m[1]), kind: m[2] as ReportKind, reportId: m[3] } : undefined;
}

export class Spool implements SpoolRecords {
  constructor(
    readonly dir: string,
    private readonly opts: SpoolOptions,
  ) {}

  /** One of the agent's own files kept beside the reports (state, backoff, agent id...). */
  record(file: SpoolFile): SpoolRecord {
    return new SpoolRecord(this, file);
  }

  /**
   * Runs fn holding the cross-process spool lock (creating the folder first, owner-only: the lock file
   * lives in it); waits up to waitMs for another holder, then throws SpoolBusyError.
   */
  async locked<T>(fn: () => Promise<T>, waitMs: number): Promise<T> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withSpoolLock(this.dir, fn, waitMs);
  }

  /** Creates the owner-only directories and drops temp files of writers that died mid-write. Call under the spool lock. */
  async open(): Promise<void> {
    const problem = spoolDirProblem(this.dir);
    if (problem) throw new UnsafeFileError(`spoolDir ${this.dir}: refused, ${problem}`);
    await ensurePrivateDir(this.dir);
    await ensurePrivateDir(path.join(this.dir, REJECTED_DIR));
    await ensurePrivateDir(path.join(this.dir, QUARANTINE_DIR));
    for (const name of await fs.readdir(this.dir)) {
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: force only matters when the file vanished since readdir (another process)
      if (name.startsWith(TMP_PREFIX)) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }

  /** Pending reports, oldest first. Unknown *.json files are quarantined; temp files are never listed. */
  async list(): Promise<SpoolEntry[]> {
    return this.listIn(this.dir, true);
  }

  private async listIn(dir: string, quarantineStrays: boolean): Promise<SpoolEntry[]> {
    const out: SpoolEntry[] = [];
    for (const dirent of await fs.readdir(dir, { withFileTypes: true })) {
      const name = dirent.name;
      if (!dirent.isFile() || name.startsWith(TMP_PREFIX) || OWN_FILE_NAMES.has(name)) continue;
      const parsed = parseName(name);
      if (!parsed) {
        if (quarantineStrays && name.endsWith('.json')) await this.quarantine(name, 'not a spool file name');
        continue;
      }
      const st = await fs.stat(path.join(dir, name)).catch(() => undefined);
      // Stryker disable next-line ConditionalExpression: stat fails only for a file deleted since readdir (another process)
      if (st) out.push({ ...parsed, bytes: st.size });
    }
    return out.sort((a, b) => a.sequence - b.sequence || compareCodeUnits(a.name, b.name));
  }

  async maxSequence(): Promise<number> {
    const all = [...(await this.listIn(this.dir, false)), ...(await this.listIn(path.join(this.dir, REJECTED_DIR), false))];
    return all.reduce((m, e) => Math.max(m, e.sequence), 0);
  }

  async put(r: NativeReport): Promise<string> {
    const name = spoolFileName(r);
    await atomicWrite(path.join(this.dir, name), JSON.stringify(r), 0o600);
    await this.enforceBounds(this.dir, 'spool');
    return name;
  }

  /** Reads and checks one pending report; throws SpoolCorruptError when it is not a whole, matching report. */
  async read(e: SpoolEntry): Promise<NativeReport> {
    let text: string;
    try {
      // Not followed if a link, and only our own files: a report someone else put here is a forgery
      const file = path.join(this.dir, e.name);
      // Stryker disable next-line OptionalChaining: getuid exists on every POSIX host; the ?. is for Windows
      const buf = readSafeFile(file, { what: 'spool file', maxBytes: MAX_ENTRY_BYTES, noFollow: true, owner: process.getuid?.() });
      text = buf.toString('utf8');
    } catch (err) {
      // Stryker disable next-line Regex: readSafeFile's messages begin with the prefix, so anchoring changes nothing
      throw new SpoolCorruptError(e.name, oneLine(err).replace(/^spool file \S+: /, ''));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new SpoolCorruptError(e.name, `invalid JSON (${oneLine(err, 80)})`);
    }
    // A report spooled by an older agent is read as the current version
    parsed = upgradeReport(parsed);
    const problem = reportProblem(parsed);
    if (problem) throw new SpoolCorruptError(e.name, problem);
    const r = parsed as NativeReport;
    if (r.reportId !== e.reportId || r.sequence !== e.sequence || r.kind !== e.kind) {
      throw new SpoolCorruptError(e.name, 'content does not match the file name');
    }
    return r;
  }

  /** False once another process has sent (removed) it. */
  async has(e: SpoolEntry): Promise<boolean> {
    return (await fs.stat(path.join(this.dir, e.name)).catch(() => undefined)) !== undefined;
  }

  async remove(e: SpoolEntry): Promise<void> {
    await fs.rm(path.join(this.dir, e.name), { force: true });
  }

  // Both folders are made again here, not only in open(): someone who deletes one while the agent runs
  // must not make every later flush fail on the same report until a restart.
  async reject(e: SpoolEntry): Promise<void> {
    await ensurePrivateDir(path.join(this.dir, REJECTED_DIR));
    await durableMove(path.join(this.dir, e.name), path.join(this.dir, REJECTED_DIR, e.name));
    await this.enforceBounds(path.join(this.dir, REJECTED_DIR), 'rejected');
  }

  async quarantine(name: string, why: string): Promise<void> {
    const qdir = path.join(this.dir, QUARANTINE_DIR);
    await ensurePrivateDir(qdir);
    let target = path.join(qdir, name);
    if (await fs.stat(target).catch(() => undefined)) target = `${target}.${Date.now()}`;
    await durableMove(path.join(this.dir, name), target);
    this.opts.log(`ratwatch: spool: quarantined ${clean(name, 200)}: ${oneLine(why, 200)}`);
    const kept = (await fs.readdir(qdir)).sort();
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: force only matters when the file vanished since readdir (another process)
    for (const old of kept.slice(0, Math.max(0, kept.length - QUARANTINE_KEEP))) await fs.rm(path.join(qdir, old), { force: true });
  }

  /** Moves rejected reports back into the queue (after the server-side cause was fixed). */
  async requeueRejected(): Promise<number> {
    const rdir = path.join(this.dir, REJECTED_DIR);
    const list = await this.listIn(rdir, false);
    for (const e of list) await durableMove(path.join(rdir, e.name), path.join(this.dir, e.name));
    return list.length;
  }

  async countRejected(): Promise<number> {
    return (await this.listIn(path.join(this.dir, REJECTED_DIR), false)).length;
  }

  /**
   * Keeps a folder within maxFiles / maxBytes by deleting the oldest heartbeats. Reports that carry
   * findings (full, delta) are never deleted: past the limit they stay and a warning says so.
   */
  private async enforceBounds(dir: string, label: string): Promise<void> {
    const list = await this.listIn(dir, false);
    let files = list.length;
    let bytes = list.reduce((n, e) => n + e.bytes, 0);
    const over = () => files > this.opts.maxFiles || bytes > this.opts.maxBytes;
    // Stryker disable next-line ConditionalExpression: without it the loop below stops at once and says nothing, the same
    if (!over()) return;
    let dropped = 0;
    for (const e of list) {
      if (!over()) break;
      if (e.kind !== 'heartbeat') continue;
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: force only matters when the file vanished since readdir (another process)
      await fs.rm(path.join(dir, e.name), { force: true });
      files -= 1;
      bytes -= e.bytes;
      dropped += 1;
    }
    if (dropped) this.opts.log(`ratwatch: ${label}: full, dropped ${dropped} oldest heartbeat report(s)`);
    if (over()) {
      this.opts.log(`ratwatch: ${label}: over its limit (${files} files, ${bytes} bytes); reports with findings are never dropped`);
    }
  }
}
