import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { DirEntry, ExecOptions, ExecResult, FileStat, ProbeOptions, PsEntry, Runner } from '../../agent/runner.ts';
import { PROBE_HOSTS, RunnerError } from '../../agent/runner.ts';

// A Runner that answers from captured output, so collectors for any OS can be tested on this machine.
//
// Commands are keyed by the program and its arguments joined with single spaces, exactly as the collector
// calls them. A command absent from the table fails like a missing program (ENOENT); an entry may also
// declare an error code (ETIMEDOUT, EACCES) to replay a failing source.
//
// Files are keyed by the path the collector asks for (Windows paths keep their backslashes); directory
// listings are derived from the file keys, so a fixture only lists leaf files.

export type ReplayCommand = string | { stdout?: string; stderr?: string; code?: number; error?: string };

export interface ReplaySpec {
  commands?: Record<string, ReplayCommand>;
  files?: Record<string, string | Buffer>;
  /** Symbolic links: path -> target. */
  links?: Record<string, string>;
  /** What ps-list would have returned; absent = ps-list fails like a missing `ps`. */
  processes?: PsEntry[] | undefined;
  /** What a loopback TCP port sends first, by port ("5900": "RFB 003.008\n"; latin1, one char per byte); absent = connection refused. */
  banners?: Record<string, string> | undefined;
  /** What a loopback TCP port answers to a probe request, by port and request name ({"3389": {"rdp": "\x03\x00..."}}, latin1); absent = silent. */
  replies?: Record<string, Record<string, string>> | undefined;
}

export class ReplayRunner implements Runner {
  readonly calls: string[] = [];
  private readonly commands: Record<string, ReplayCommand>;
  private readonly files: Map<string, Buffer>;
  private readonly links: Record<string, string>;
  private readonly processes?: PsEntry[] | undefined;
  private readonly banners: Record<string, string>;
  private readonly replies: Record<string, Record<string, string>>;

  constructor(spec: ReplaySpec) {
    this.commands = spec.commands ?? {};
    this.links = spec.links ?? {};
    this.processes = spec.processes;
    this.banners = spec.banners ?? {};
    this.replies = spec.replies ?? {};
    this.files = new Map(Object.entries(spec.files ?? {}).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v) : v]));
  }

  async exec(cmd: string, args: string[], _opts?: ExecOptions): Promise<ExecResult> {
    const key = [cmd, ...args].join(' ');
    this.calls.push(key);
    const entry = this.commands[key];
    if (entry === undefined) throw new RunnerError(`${cmd} not found`, 'ENOENT');
    if (typeof entry === 'string') return { stdout: entry, stderr: '', code: 0 };
    if (entry.error) throw new RunnerError(`${cmd}: ${entry.error}`, entry.error);
    return { stdout: entry.stdout ?? '', stderr: entry.stderr ?? '', code: entry.code ?? 0 };
  }

  async readFile(path: string, maxBytes = 4 * 1024 * 1024): Promise<Buffer> {
    const b = this.files.get(this.follow(path));
    if (!b) throw new RunnerError(`cannot read ${path}: ENOENT`, 'ENOENT');
    return b.subarray(0, maxBytes);
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const sep = path.includes('\\') && !path.includes('/') ? '\\' : '/';
    const prefix = path.endsWith(sep) ? path : path + sep;
    const seen = new Map<string, DirEntry>();
    const keys = [...this.files.keys(), ...Object.keys(this.links)];
    for (const k of keys) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const [name, ...more] = rest.split(sep);
      if (!name || seen.has(name)) continue;
      const isLink = more.length === 0 && k in this.links;
      seen.set(name, { name, isDir: more.length > 0, isFile: more.length === 0 && !isLink, isLink });
    }
    if (seen.size === 0) throw new RunnerError(`cannot list ${path}: ENOENT`, 'ENOENT');
    return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async readLink(path: string): Promise<string> {
    const t = this.links[path];
    if (t === undefined) throw new RunnerError(`cannot read link ${path}: ENOENT`, 'ENOENT');
    return t;
  }

  async readLinks(dir: string, max: number, prefix = ''): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const e of (await this.readDir(dir)).slice(0, max)) {
      const t = this.links[`${dir}/${e.name}`];
      if (t?.startsWith(prefix)) out.set(e.name, t);
    }
    return out;
  }

  /** Resolves symbolic links the way the real file system does for open() and stat() (at most 8 hops). */
  private follow(path: string): string {
    let p = path;
    for (let hops = 0; hops < 8 && p in this.links; hops++) {
      const t = this.links[p];
      p = t.startsWith('/') ? t : posix.join(posix.dirname(p), t);
    }
    return p;
  }

  async stat(path: string): Promise<FileStat> {
    const p = this.follow(path);
    const b = this.files.get(p);
    if (b) return { size: b.length, isFile: true, isDir: false };
    try {
      await this.readDir(p);
      return { size: 0, isFile: false, isDir: true };
    } catch {
      throw new RunnerError(`cannot stat ${path}: ENOENT`, 'ENOENT');
    }
  }

  async sha256(path: string): Promise<string> {
    return createHash('sha256')
      .update(await this.readFile(path, Number.MAX_SAFE_INTEGER))
      .digest('hex');
  }

  async connectProbe(host: string, port: number, opts: ProbeOptions = {}): Promise<Buffer> {
    this.calls.push(`connect ${host} ${port}${opts.request ? ` ${opts.request.name}` : ''}`);
    if (!PROBE_HOSTS.includes(host)) throw new RunnerError(`refusing to probe ${host}: loopback only`, 'EPERM');
    let b = Object.hasOwn(this.banners, String(port)) ? this.banners[String(port)] : undefined;
    if (b === undefined) throw new RunnerError(`connect to ${host}:${port}: ECONNREFUSED`, 'ECONNREFUSED');
    if (opts.request) {
      // a server that speaks first says it again, whatever it is asked; otherwise its recorded answer
      const byName = Object.hasOwn(this.replies, String(port)) ? this.replies[String(port)] : {};
      if (b === '') b = Object.hasOwn(byName, opts.request.name) ? byName[opts.request.name] : '';
    }
    return Buffer.from(b, 'latin1').subarray(0, opts.maxBytes ?? 64);
  }

  async listProcesses(): Promise<PsEntry[]> {
    this.calls.push('ps-list');
    if (!this.processes) throw new RunnerError('ps not found', 'ENOENT');
    return this.processes;
  }

  async exists(path: string): Promise<boolean> {
    if (this.files.has(path) || path in this.links) return true;
    try {
      await this.readDir(path);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Loads a fixture directory: `commands.json` maps a command key to a file name under `commands/`
 * (or to {file?, stderrFile?, code?} naming captured stdout/stderr files)
 * (or to an inline {error}/{code} entry), and every file under `files/` is served at the path given
 * by its relative location ("files/proc/1/comm" -> "/proc/1/comm"; for Windows fixtures the mapping
 * is spelled out in `files.json`). `banners.json` ({"5900": "RFB 003.008\n"}) answers connectProbe.
 */
export function loadReplayDir(dir: string): ReplayRunner {
  const spec: ReplaySpec = { commands: {}, files: {}, links: {} };
  const cmdIndex = readJsonIfAny(join(dir, 'commands.json')) as Record<string, string | ReplayCommand> | undefined;
  for (const [key, v] of Object.entries(cmdIndex ?? {})) {
    if (typeof v === 'string') spec.commands![key] = readFileSync(join(dir, 'commands', v), 'utf8');
    else if (v && typeof v === 'object' && ('file' in v || 'stderrFile' in v)) {
      // stderrFile: programs such as macOS codesign print their report on stderr
      const f = v as { file?: string; stderrFile?: string; code?: number };
      spec.commands![key] = {
        stdout: f.file ? readFileSync(join(dir, 'commands', f.file), 'utf8') : '',
        stderr: f.stderrFile ? readFileSync(join(dir, 'commands', f.stderrFile), 'utf8') : '',
        code: f.code ?? 0,
      };
    } else spec.commands![key] = v;
  }
  const fileIndex = readJsonIfAny(join(dir, 'files.json')) as Record<string, string> | undefined;
  if (fileIndex) {
    for (const [target, rel] of Object.entries(fileIndex)) spec.files![target] = readFileSync(join(dir, 'files', rel));
  } else {
    walk(join(dir, 'files'), (abs, rel) => {
      spec.files![posix.join('/', rel)] = readFileSync(abs);
    });
  }
  Object.assign(spec.links!, readJsonIfAny(join(dir, 'links.json')) ?? {});
  spec.processes = readJsonIfAny(join(dir, 'ps-list.json')) as PsEntry[] | undefined;
  spec.banners = readJsonIfAny(join(dir, 'banners.json')) as Record<string, string> | undefined;
  spec.replies = readJsonIfAny(join(dir, 'replies.json')) as Record<string, Record<string, string>> | undefined;
  return new ReplayRunner(spec);
}

function readJsonIfAny(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function walk(root: string, fn: (abs: string, rel: string) => void, rel = ''): void {
  let names: string[];
  try {
    names = readdirSync(join(root, rel));
  } catch {
    return;
  }
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    const abs = join(root, r);
    if (statSync(abs).isDirectory()) walk(root, fn, r);
    else fn(abs, r);
  }
}
