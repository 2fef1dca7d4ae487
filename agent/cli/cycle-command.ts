import { rememberedIdentities, rememberIdentities } from '../collectors/common/identity.ts';
import { ConfigError } from '../config/errors.ts';
import { readSafeStdin } from '../config/safe-file.ts';
import type { Config } from '../config/types.ts';
import type { CycleInput, CycleOutput } from '../daemon/child-cycle.ts';
import { readHashCache, updateHashCache } from '../daemon/hash-cache.ts';
import type { ScanResult } from '../model.ts';
import { errorLine, stderrLine } from './log.ts';
import { writeOut } from './write-out.ts';

// The daemon's cycle child (daemon/child-cycle.ts): one scan and its delivery, or a retry, under the
// config the daemon sends on stdin, then one JSON line for the daemon. A stop signal from the daemon
// lets the scan finish and keeps its report in the spool undelivered.

const MAX_INPUT = 1024 * 1024;
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP'];

export function parseCycleInput(text: string): CycleInput {
  let v: Partial<CycleInput>;
  try {
    v = JSON.parse(text) as Partial<CycleInput>;
  } catch (e) {
    throw new ConfigError(`cycle input from the daemon is not JSON: ${(e as Error).message}`);
  }
  const c = v?.config as Partial<Config> | undefined;
  if (typeof c?.spoolDir !== 'string' || typeof c.endpoint !== 'object' || c.endpoint === null)
    throw new ConfigError('cycle input from the daemon has no config');
  const env = v.env ?? {};
  if (typeof env !== 'object' || Object.values(env).some((x) => typeof x !== 'string'))
    throw new ConfigError('cycle input from the daemon has a bad env');
  return { config: c as Config, env };
}

/** A scan that starts from the daemon's file fingerprints and leaves them updated for the next cycle. */
async function scanWithHashCache(config: Config, scan: (policy: string | undefined) => Promise<ScanResult>): Promise<ScanResult> {
  const cache = readHashCache(config.spoolDir);
  if (cache.problem) stderrLine(`ratwatch: ${cache.problem}`);
  rememberIdentities(cache.entries);
  const result = await scan(config.policyFile);
  await updateHashCache(config.spoolDir, cache, rememberedIdentities()).catch((e: Error) =>
    stderrLine(`ratwatch: hash cache not saved: ${errorLine(e)}`),
  );
  return result;
}

export async function runCycleCommand(retry: boolean, scan: (policy: string | undefined) => Promise<ScanResult>): Promise<void> {
  const stop = new AbortController();
  for (const s of STOP_SIGNALS) process.on(s, () => stop.abort());
  const { config, env } = parseCycleInput(readSafeStdin('cycle input', MAX_INPUT).toString('utf8'));
  // loaded here rather than at the CLI's start: only a daemon cycle delivers
  const [{ Reporter }, { reporterWorker }] = await Promise.all([import('../delivery/reporter.ts'), import('../daemon/daemon.ts')]);
  const reporter = new Reporter(config, { log: stderrLine, env });
  const worker = reporterWorker(config, () => scanWithHashCache(config, scan), reporter);
  const line = retry ? await worker.retry() : await worker.cycle(stop.signal);
  const at = await reporter.retryAt().catch(() => undefined);
  const out: CycleOutput = { line, retryAt: at?.toISOString() };
  await writeOut(`${JSON.stringify(out)}\n`);
}
