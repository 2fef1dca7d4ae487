import fs from 'node:fs';
import path from 'node:path';
import { oneLine } from '../config/errors.ts';
import type { Config } from '../config/types.ts';
import { EXIT } from '../vocabulary.ts';
import { acquireDaemonLock, type DaemonLock } from './instance-lock.ts';
import { runSchedule, type CycleWorker } from './schedule.ts';

// Stop after the current cycle; HUP reloads; the others would kill a Node process silently by default,
// so they are logged and ignored (a daemon that vanishes without a line is the failure this prevents).
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];
const IGNORED_SIGNALS: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2'];
const INPUT_ERRORS = new Set(['ConfigError', 'UnsafeFileError', 'DaemonBusyError']);

export interface ServeOptions {
  /** The config as of now: at start and on each SIGHUP. Throws ConfigError and the like. */
  load: () => Config;
  /** The work of each cycle under a config. */
  worker: (config: Config) => CycleWorker;
  runAtStart: boolean;
  log: (line: string) => void;
  setExit: (code: number) => void;
}

/** A daemon or flush that cannot go on: one line, and exit 2 for what the user gave, 70 otherwise. */
export function reportFailure(e: unknown, log: (line: string) => void, setExit: (code: number) => void): void {
  log(`ratwatch: ${oneLine(e)}`);
  setExit(INPUT_ERRORS.has((e as Error)?.name) ? EXIT.badInput : EXIT.internal);
}

/**
 * The daemon's life: config, the spool's lock, the schedule, signals (stop after the current cycle,
 * reload on SIGHUP, log and ignore USR1/USR2). Resolves when it has stopped.
 */
export async function serveDaemon(o: ServeOptions): Promise<void> {
  const { log } = o;
  let config: Config;
  let lock: DaemonLock;
  try {
    config = o.load();
    fs.mkdirSync(config.spoolDir, { recursive: true, mode: 0o700 });
    lock = await acquireDaemonLock(config.spoolDir);
  } catch (e) {
    return reportFailure(e, log, o.setExit);
  }
  let stopping = false;
  let reloading = false;
  let cycle = new AbortController();
  const onStop = (sig: NodeJS.Signals) => {
    log(`ratwatch: ${sig} received, ${stopping ? 'already stopping' : 'stopping after the current cycle'}`);
    stopping = true;
    cycle.abort();
  };
  const onHup = () => {
    log(`ratwatch: SIGHUP received, reloading the config after the current cycle`);
    reloading = true;
    cycle.abort();
  };
  const onIgnored = (sig: NodeJS.Signals) => log(`ratwatch: ${sig} received, ignored`);
  for (const s of STOP_SIGNALS) process.on(s, onStop);
  for (const s of IGNORED_SIGNALS) process.on(s, onIgnored);
  process.on('SIGHUP', onHup);
  try {
    let runAtStart = o.runAtStart;
    for (;;) {
      const current = config;
      await runSchedule(current, o.worker(current), { signal: cycle.signal, log, runAtStart });
      if (stopping || !reloading) break;
      reloading = false;
      runAtStart = false;
      cycle = new AbortController();
      try {
        const next = o.load();
        if (path.resolve(next.spoolDir) !== path.resolve(current.spoolDir)) {
          fs.mkdirSync(next.spoolDir, { recursive: true, mode: 0o700 });
          const nextLock = await acquireDaemonLock(next.spoolDir);
          await lock.release();
          lock = nextLock;
        }
        config = next;
        log(`ratwatch: config reloaded${config.file ? ` from ${config.file}` : ''}`);
      } catch (e) {
        log(`ratwatch: config not reloaded, keeping the previous one: ${oneLine(e)}`);
      }
      if (stopping) break;
    }
  } catch (e) {
    reportFailure(e, log, o.setExit);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onStop);
    for (const s of IGNORED_SIGNALS) process.off(s, onIgnored);
    process.off('SIGHUP', onHup);
    await lock.release();
  }
}
