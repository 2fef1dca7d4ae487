import { promises as fs } from 'node:fs';
import path from 'node:path';
import { oneLine } from '../config/errors.ts';
import { readSafeFile, UnsafeFileError } from '../config/safe-file.ts';
import { atomicWrite } from './atomic.ts';

// Beside the reports, the spool folder keeps the few small files the agent carries from one run to the
// next. They are all named here: the stray check (spool.ts) knows them, and no other module joins paths
// into the folder. They are read with the same checks as a spooled report (no link followed, only the
// agent's own regular files, bounded), since whoever could plant one could steer delivery: a forged
// state.json hides findings, a forged hec-state.json marks a report as acknowledged.

/** Every name the agent keeps in the spool folder besides reports, by role. The names are on-disk format: never rename one. */
export const SPOOL_FILES = {
  state: 'state.json', // findings last reported (report/plan.ts)
  backoff: 'backoff.json', // delivery failures and when to try again
  agentId: 'agent-id',
  sequence: 'sequence', // the last sequence number reserved
  hecChannel: 'hec-channel', // the splunk-hec channel GUID (transport/hec-ack.ts)
  hecState: 'hec-state.json', // splunk-hec sends awaiting their acknowledgment
  agentKey: 'agent-key', // the key `ratwatch enroll` keeps when endpoint.tokenFile is not set
  lock: 'lock', // spool/lock.ts
  hashCache: 'hash-cache.json', // the daemon's file fingerprints across child scans (daemon/hash-cache.ts)
  daemonSocket: 'daemon.sock', // the daemon's instance lock where there are no abstract sockets
} as const;
export type SpoolFile = keyof typeof SPOOL_FILES;

export const OWN_FILE_NAMES: ReadonlySet<string> = new Set(Object.values(SPOOL_FILES));

/** Where one of the spool's own files lives. */
export function spoolFilePath(dir: string, file: SpoolFile): string {
  return path.join(dir, SPOOL_FILES[file]);
}

// The largest is state.json, one small entry per active finding
export const RECORD_MAX_BYTES = 8 * 1024 * 1024;

/** What a record needs from its spool: where it is, and how to set aside a file that cannot be used. */
export interface RecordHome {
  readonly dir: string;
  quarantine(name: string, why: string): Promise<void>;
}

/** Hands out the spool's records (the Spool; an object without a folder keeps state in memory instead). */
export interface SpoolRecords {
  record(file: SpoolFile): SpoolRecord;
}

/** One of the spool's own small files: read safely, written atomically (owner-only), set aside when unusable. */
export class SpoolRecord {
  readonly name: string;
  readonly file: string;

  constructor(
    private readonly home: RecordHome,
    readonly role: SpoolFile,
  ) {
    this.name = SPOOL_FILES[role];
    this.file = path.join(home.dir, this.name);
  }

  /**
   * The text, or undefined when there is none. A file that cannot be trusted or read (a symbolic link,
   * another user's file, not a regular file, too large) is moved to quarantine/ with the reason and
   * counts as absent; the next write puts a good one in its place.
   */
  async read(): Promise<string | undefined> {
    try {
      return readSafeFile(this.file, {
        what: 'spool file',
        maxBytes: RECORD_MAX_BYTES,
        noFollow: true,
        owner: process.getuid?.(),
      }).toString('utf8');
    } catch (e) {
      if (e instanceof UnsafeFileError && e.code === 'ENOENT') return undefined;
      await this.quarantine(oneLine(e).replace(/^spool file \S+: /, ''));
      return undefined;
    }
  }

  /** Parsed JSON accepted by check (which says what is wrong, or undefined); problem says why not. Neither when absent. */
  async readJson<T>(check: (v: unknown) => string | undefined): Promise<{ value?: T; problem?: string }> {
    const text = await this.read();
    if (text === undefined) return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { problem: `invalid JSON (${oneLine(e, 80)})` };
    }
    const problem = check(value);
    return problem ? { problem } : { value: value as T };
  }

  write(text: string): Promise<void> {
    return atomicWrite(this.file, text, 0o600);
  }

  writeJson(value: unknown): Promise<void> {
    return this.write(JSON.stringify(value));
  }

  async remove(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }

  /** Sets the file aside in quarantine/ (kept for a person to look at), with the reason logged. */
  quarantine(why: string): Promise<void> {
    return this.home.quarantine(this.name, why);
  }
}
