import type { Command } from 'commander';
import { ConfigError, oneLine } from '../config/errors.ts';
import { addConfigOptions } from '../config/flags.ts';
import { requireEndpoint } from '../config/load.ts';
import { endpointUrlProblem } from '../config/loopback.ts';
import { enrollSecretProblem, readEnrollSecret, readGivenEnrollSecret } from '../transport/credentials.ts';
import { redact } from '../transport/errors.ts';
import { configFromCommand } from './report-commands.ts';
import { EXIT } from '../vocabulary.ts';

// `ratwatch enroll`: presents the fleet's enrollment secret once to ratwatch-server and keeps the key
// it answers with (this agent's own) in endpoint.tokenFile, default <spoolDir>/agent-key, mode 0600.
// The enrollment URL is the report URL's sibling `enroll` (https://server/v1/reports -> /v1/enroll).
// An agent with endpoint.enrollSecretFile in its config does the same by itself before its first report.

async function readSecret(file: string | undefined, configured: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (!file && configured) return readEnrollSecret(configured);
  const raw = file ? readGivenEnrollSecret(file) : env.RATWATCH_ENROLL_SECRET;
  const secret = raw?.trim();
  if (!secret)
    throw new ConfigError('no enrollment secret: give --enroll-secret-file, set RATWATCH_ENROLL_SECRET or endpoint.enrollSecretFile');
  const problem = enrollSecretProblem(secret);
  if (problem) throw new ConfigError(problem);
  return secret;
}

export function addEnrollCommand(
  program: Command,
  deps: { log: (l: string) => void; setExit: (c: number) => void; env?: NodeJS.ProcessEnv },
): void {
  const cmd = program
    .command('enroll')
    .description(
      'enroll this agent with ratwatch-server: trade the enrollment secret for its own key (kept in endpoint.tokenFile or <spoolDir>/agent-key)',
    )
    .option(
      '--enroll-secret-file <file>',
      'file holding the enrollment secret (default: RATWATCH_ENROLL_SECRET, then endpoint.enrollSecretFile)',
    );
  addConfigOptions(cmd).action(async (opts: { enrollSecretFile?: string }, c: Command) => {
    const env = deps.env ?? process.env;
    let secret = '';
    try {
      const config = configFromCommand(c, env);
      requireEndpoint(config);
      const ep = config.endpoint;
      const problem = endpointUrlProblem(ep.url, ep.allowInsecureHttp);
      if (problem) throw new ConfigError(`endpoint.url ${problem}`);
      // --enroll-secret-file is also the config flag for endpoint.enrollSecretFile; given here it is read as before
      const given = c.getOptionValueSource('enrollSecretFile') === 'cli' ? opts.enrollSecretFile : undefined;
      try {
        secret = await readSecret(given, env.RATWATCH_ENROLL_SECRET ? undefined : ep.enrollSecretFile, env);
      } catch (e) {
        throw e instanceof ConfigError ? e : new ConfigError(oneLine(e));
      }
      // enrollment and the reporter (spool, HTTP and TLS) are loaded by this command only, not by every start of the CLI
      const [{ enrollAgent, enrollUrl }, { Reporter }] = await Promise.all([
        import('../delivery/enroll.ts'),
        import('../delivery/reporter.ts'),
      ]);
      const agentId = await new Reporter(config, { log: deps.log, env }).agentId();
      const r = await enrollAgent(config, secret, agentId);
      if (r.outcome === 'refused') throw new ConfigError(r.reason);
      if (r.outcome === 'failed') {
        deps.log(
          `ratwatch: enroll: ${r.reason.startsWith(enrollUrl(ep.url)) ? r.reason : `${enrollUrl(ep.url)}: ${r.reason}`}; try again later`,
        );
        return deps.setExit(EXIT.pending); // the server could not be reached or failed: try again later
      }
      deps.log(
        `ratwatch: enrolled as ${agentId}; key kept in ${r.keyFile}${ep.tokenFile ? '' : ` (set endpoint.tokenFile: ${r.keyFile})`}`,
      );
      deps.setExit(EXIT.clean);
    } catch (e) {
      deps.log(`ratwatch: enroll: ${redact(oneLine(e), [secret])}`);
      deps.setExit(e instanceof ConfigError ? EXIT.badInput : EXIT.pending);
    }
  });
}
