// What the CLI needs from reporting, in one place.
import type { Config } from '../config/types.ts';
import type { ScanResult } from '../model.ts';
import { Reporter, type EnqueueResult, type FlushResult, type ReporterDeps } from './reporter.ts';

export { ConfigError } from '../config/errors.ts';
export { addConfigOptions, configFlags } from '../config/flags.ts';
export { defaultConfigFile } from '../config/fields.ts';
export { loadConfig, requireEndpoint, resolveConfigPath } from '../config/load.ts';
export type { Config, EndpointConfig, ReportFormat } from '../config/types.ts';
export { runDaemon, type DaemonOptions } from '../daemon/daemon.ts';
export { TransportError } from '../transport/errors.ts';
export { Reporter, type EnqueueResult, type FlushResult, type ReporterDeps } from './reporter.ts';
export type { NativeReport, ReportKind } from '../report/types.ts';

/** `scan --report`: stores this scan's report durably, then tries to deliver everything waiting. */
export async function reportScan(
  config: Config,
  result: ScanResult,
  deps: ReporterDeps = {},
): Promise<{ queued: EnqueueResult; flush: FlushResult }> {
  const reporter = new Reporter(config, deps);
  const queued = await reporter.enqueue(result);
  const flush = await reporter.flush();
  return { queued, flush };
}
