import { checkCredentials } from '../transport/credentials.ts';
import { ConfigError } from './errors.ts';
import { defaultConfigFile } from './fields.ts';
import { loadConfig, requireEndpoint, resolveConfigPath } from './load.ts';
import { spoolDirProblem } from './safe-file.ts';
import type { Config } from './types.ts';

/**
 * A config the daemon or flush can use: loaded (--config / RATWATCH_CONFIG / the platform file, env,
 * flags), with an endpoint, its secrets readable, its spool safe. Without an endpoint the daemon still
 * scans and spools (a default install must run and keep its reports); they go out once endpoint.url is
 * set and the config reloaded.
 */
export function deliveryConfig(
  configOption: string | undefined,
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  opts: { endpointOptional?: boolean } = {},
): Config {
  const file = resolveConfigPath(configOption, env, defaultConfigFile());
  const config = loadConfig({ file, env, flags });
  if (!opts.endpointOptional || config.endpoint.url) {
    requireEndpoint(config);
    checkCredentials(config.endpoint, env);
  }
  const problem = spoolDirProblem(config.spoolDir);
  if (problem) throw new ConfigError(`spoolDir ${config.spoolDir}: refused, ${problem}`);
  return config;
}
