import { stderrLine } from '../cli/log.ts';
import { deliveryConfig } from '../config/delivery-config.ts';
import { FIELDS, flagAttr } from '../config/fields.ts';
import { childCycleWorker } from './child-cycle.ts';
import { serveDaemon } from './serve.ts';

// The resident daemon: config, the spool's lock, the scheduler and a child process per cycle, and
// nothing else (no CLI parser, catalog, engine, report encoders or HTTP client), so that what stays in
// memory between hourly scans is close to a bare Node. In the executable it is a bundle of its own
// (scripts/package/sea.ts); `ratwatch daemon --help` and anything it does not read go to the full CLI,
// whose daemon command runs the same serveDaemon with the same worker.

export interface DaemonArgs {
  config?: string | undefined;
  runAtStart: boolean;
  /** The config flags typed, by commander's attribute name, as commander would give them. */
  flags: Record<string, unknown>;
}

const BOOL_FLAGS = new Set(FIELDS.filter((f) => f.type.kind === 'bool').map((f) => f.flag));
const VALUE_FLAGS = new Set(['config', ...FIELDS.filter((f) => f.type.kind !== 'bool').map((f) => f.flag)]);

/** `daemon` arguments as commander reads them (last one wins), or undefined for anything else: help, unknown or odd flags. */
export function parseDaemonArgs(args: readonly string[]): DaemonArgs | undefined {
  const out: DaemonArgs = { runAtStart: true, flags: {} };
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z][a-z0-9-]*)(?:=([\s\S]*))?$/.exec(args[i]);
    if (!m) return undefined;
    const [, name, inline] = m;
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || (inline === undefined && value.startsWith('-'))) return undefined;
      if (name === 'config') out.config = value;
      else out.flags[flagAttr(name)] = value;
    } else if (inline !== undefined) {
      return undefined;
    } else if (name === 'no-run-at-start') {
      out.runAtStart = false;
    } else if (BOOL_FLAGS.has(name)) {
      out.flags[flagAttr(name)] = true;
    } else if (name.startsWith('no-') && BOOL_FLAGS.has(name.slice(3))) {
      out.flags[flagAttr(name.slice(3))] = false;
    } else {
      return undefined;
    }
  }
  return out;
}

/** Runs the daemon and resolves with its exit code, or undefined when the full CLI should read these arguments. */
export async function daemonMain(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  const parsed = parseDaemonArgs(args);
  if (!parsed) return undefined;
  let code = 0;
  await serveDaemon({
    load: () => deliveryConfig(parsed.config, parsed.flags, env, { endpointOptional: true }),
    worker: (config) => childCycleWorker(config, env, stderrLine),
    runAtStart: parsed.runAtStart,
    log: stderrLine,
    setExit: (c) => (code = c),
  });
  return code;
}
