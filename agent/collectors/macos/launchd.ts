import type { ServiceInfo } from '../../model.ts';
import type { Runner } from '../../runner.ts';
import { dictString, type PlistDict, type PlistValue } from '../common/plist.ts';
import type { Collector } from '../types.ts';
import { clean, cleanOpt } from '../../text.ts';
import { mapLimit } from '../common/pool.ts';
import { lines } from '../common/text.ts';
import { listDir, readPlistDict, userHomes } from './bundles.ts';
import { unwrapArgv } from './wrappers.ts';

// launchd jobs installed by third parties: /Library/LaunchDaemons, /Library/LaunchAgents and each
// user's ~/Library/LaunchAgents. /System/Library is left out on purpose: it holds only Apple's own
// jobs (SIP-protected), and whether Apple's remote features are switched on is read by
// settings.ts from launchd's override database, not inferred from the presence of their plists.
// `launchctl list` (the domain the agent runs in, normally the system domain as root) adds state.

export const LAUNCHCTL = '/bin/launchctl';
const SYSTEM_DIRS = ['/Library/LaunchDaemons', '/Library/LaunchAgents'];
const MAX_PER_DIR = 1000;
const MAX_JOBS = 4000;

/** `launchctl list`: "PID\tStatus\tLabel", PID "-" when the job is loaded but not running. */
export function parseLaunchctlList(out: string): Map<string, { pid?: number | undefined; status?: string }> {
  const jobs = new Map<string, { pid?: number | undefined; status?: string }>();
  for (const line of lines(out)) {
    const m = /^(-|\d+)\t(-?\d+|-)\t(.+)$/.exec(line);
    if (!m || jobs.size >= MAX_JOBS * 4) continue;
    jobs.set(m[3], { pid: m[1] === '-' ? undefined : Number(m[1]), status: m[2] });
  }
  return jobs;
}

type JobState = { pid?: number | undefined; status?: string };

/**
 * A job's entry in `launchctl list`. launchd may list a job under its label plus a suffix
 * (com.apple.mDNSResponder.reloaded for the plist labelled com.apple.mDNSResponder); such a name counts
 * when it is the only one extending the label by one word and no other plist has it as its label.
 */
export function loadedState(
  loaded: Map<string, JobState>,
  label: string | undefined,
  otherLabels: ReadonlySet<string> = new Set(),
): JobState | undefined {
  if (!label) return undefined;
  const exact = loaded.get(label);
  if (exact) return exact;
  let found: JobState | undefined;
  let n = 0;
  for (const [name, st] of loaded) {
    // a name that is another plist's own label belongs to that job
    if (name.startsWith(`${label}.`) && /^[A-Za-z0-9_-]+$/.test(name.slice(label.length + 1)) && !otherLabels.has(name)) {
      found = st;
      if (++n > 1) return undefined;
    }
  }
  return found;
}

function quoteArg(a: string): string {
  return /[\s"]/.test(a) || a === '' ? `"${a.replace(/(["\\])/g, '\\$1')}"` : a;
}

function isTrue(v: PlistValue | undefined): boolean {
  return v === true;
}

/** RunAtLoad and KeepAlive are the two ways a job starts without anyone asking; a KeepAlive dictionary is conditional. */
export function startTypeOf(job: PlistDict): string {
  if (isTrue(job.Disabled)) return 'disabled';
  const kinds: string[] = [];
  if (isTrue(job.RunAtLoad)) kinds.push('RunAtLoad');
  const ka = job.KeepAlive;
  if (ka === true || (typeof ka === 'object' && ka !== null && !Array.isArray(ka))) kinds.push('KeepAlive');
  return kinds.length ? kinds.join('+') : 'OnDemand';
}

export function jobToService(job: PlistDict, file: string): ServiceInfo {
  const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.plist$/, '');
  const label = dictString(job, 'Label') ?? base;
  const argv = Array.isArray(job.ProgramArguments) ? job.ProgramArguments.filter((a): a is string => typeof a === 'string') : [];
  const program = dictString(job, 'Program') ?? argv[0];
  const svc: ServiceInfo = { name: clean(label, 256), source: 'launchd', file: clean(file), startType: startTypeOf(job) };
  if (program === undefined) return svc;
  const written = [program, ...argv.slice(1)];
  const run = unwrapArgv(written);
  const path = cleanOpt(run[0]);
  if (path) svc.path = path;
  const args = cleanOpt(run.slice(1).map(quoteArg).join(' '), 4096);
  if (args) svc.args = args;
  if (run !== written) {
    // the wrapper (sh -c, env, open -a) as written, for whoever reads the evidence
    svc.pathRaw = clean(program);
    const rawArgs = cleanOpt(argv.slice(1).map(quoteArg).join(' '), 4096);
    if (rawArgs) svc.argsRaw = rawArgs;
  }
  return svc;
}

async function plistFiles(runner: Runner, dirs: string[], onError: (d: string, e: unknown) => void): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    const ents = (await listDir(runner, dir, onError)) ?? [];
    for (const e of ents.slice(0, MAX_PER_DIR)) {
      if ((e.isFile || e.isLink) && e.name.endsWith('.plist') && files.length < MAX_JOBS) files.push(`${dir}/${e.name}`);
    }
  }
  return files;
}

async function loadedJobs(runner: Runner): Promise<Map<string, { pid?: number | undefined; status?: string }>> {
  try {
    const res = await runner.exec(LAUNCHCTL, ['list'], { timeoutMs: 10_000 });
    return res.code === 0 ? parseLaunchctlList(res.stdout) : new Map();
  } catch {
    return new Map(); // state is a bonus; the plists alone still describe every job
  }
}

export const launchdCollector: Collector = {
  name: 'darwin.launchd',
  async collect(ctx) {
    const errors: string[] = [];
    const onError = (d: string, e: unknown) => errors.push(`${d}: ${(e as Error).message}`);
    const homes = await userHomes(ctx.runner);
    const dirs = [...SYSTEM_DIRS, ...homes.map((h) => `${h}/Library/LaunchAgents`)];
    const [files, loaded] = await Promise.all([plistFiles(ctx.runner, dirs, onError), loadedJobs(ctx.runner)]);
    if (!files.length && errors.length) throw new Error(`no launchd folder could be read: ${errors[0]}`);
    const jobs = await mapLimit(files, 8, async (file): Promise<{ svc: ServiceInfo; label?: string | undefined }> => {
      let job: PlistDict;
      try {
        job = await readPlistDict(ctx.runner, file);
      } catch {
        // launchd ignores a plist it cannot parse, but its name still says what was installed
        return {
          svc: {
            name: clean(file.slice(file.lastIndexOf('/') + 1).replace(/\.plist$/, ''), 256),
            source: 'launchd',
            file: clean(file),
            state: 'invalid plist',
          },
        };
      }
      return { svc: jobToService(job, file), label: dictString(job, 'Label') };
    });
    const parsed = jobs.filter((j): j is { svc: ServiceInfo; label?: string } => !!j);
    const labels = new Set(parsed.map((j) => j.label).filter((l): l is string => !!l));
    const services = parsed.map(({ svc, label }) => {
      const st = loadedState(loaded, label, labels);
      if (st) svc.state = st.pid !== undefined ? 'running' : 'loaded';
      return svc;
    });
    return { services };
  },
};
