import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, oneLine } from '../config/errors.ts';
import { addConfigOptions } from '../config/flags.ts';
import { requireEndpoint } from '../config/load.ts';
import { endpointUrlProblem } from '../config/loopback.ts';
import { Reporter } from '../delivery/reporter.ts';
import { atomicWrite } from '../spool/atomic.ts';
import { makeAgents } from '../transport/agent.ts';
import { readCa } from '../transport/credentials.ts';
import { redact } from '../transport/errors.ts';
import { VERSION } from '../version.ts';
import { configFromCommand } from './report-commands.ts';

// `ratwatch enroll`: presents the fleet's enrollment secret once to ratwatch-server and keeps the key
// it answers with (this agent's own) in endpoint.tokenFile, default <spoolDir>/agent-key, mode 0600.
// The enrollment URL is the report URL's sibling `enroll` (https://server/v1/reports -> /v1/enroll).

export const AGENT_KEY_FILE = 'agent-key';
const EXIT_BAD_INPUT = 2;
const EXIT_NOT_DONE = 3; // the server could not be reached or failed: try again later

export function enrollUrl(reportUrl: string): string {
  return new URL('enroll', reportUrl).toString();
}

async function readSecret(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const raw = file ? await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`--enroll-secret-file ${file}: cannot read (${e.code ?? 'error'})`);
  }) : env.RATWATCH_ENROLL_SECRET;
  const secret = raw?.trim();
  if (!secret) throw new ConfigError('no enrollment secret: give --enroll-secret-file or set RATWATCH_ENROLL_SECRET');
  if (!/^[\x21-\x7e]{8,512}$/.test(secret)) throw new ConfigError('the enrollment secret must be 8-512 printable characters');
  return secret;
}

export function addEnrollCommand(program: Command, deps: { log: (l: string) => void; setExit: (c: number) => void; env?: NodeJS.ProcessEnv }): void {
  const cmd = program.command('enroll')
    .description('enroll this agent with ratwatch-server: trade the enrollment secret for its own key (kept in endpoint.tokenFile or <spoolDir>/agent-key)')
    .option('--enroll-secret-file <file>', 'file holding the enrollment secret (default: RATWATCH_ENROLL_SECRET)');
  addConfigOptions(cmd).action(async (opts: { enrollSecretFile?: string }, c: Command) => {
    const env = deps.env ?? process.env;
    let secret = '';
    try {
      const config = configFromCommand(c, env);
      requireEndpoint(config);
      const ep = config.endpoint as typeof config.endpoint & { url: string };
      const problem = endpointUrlProblem(ep.url, ep.allowInsecureHttp);
      if (problem) throw new ConfigError(`endpoint.url ${problem}`);
      secret = await readSecret(opts.enrollSecretFile, env);
      const agentId = await new Reporter(config, { log: deps.log, env }).agentId();
      const keyFile = ep.tokenFile ?? path.join(config.spoolDir, AGENT_KEY_FILE);
      // loaded here, not at the top: every other command (a scan, --help) would pay for it; and before the
      // request's time limit starts, so a slow first import cannot eat into it
      const { default: axios } = await import('axios');
      const agents = makeAgents(readCa(ep), ep.connectTimeoutMs);
      let res;
      try {
        res = await axios.request<string>({
          method: 'POST', url: enrollUrl(ep.url), data: JSON.stringify({ enrollSecret: secret, agentId, hostname: os.hostname() }),
          headers: { 'content-type': 'application/json', 'user-agent': `ratwatch/${VERSION}` },
          httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent, proxy: false, maxRedirects: 0, maxContentLength: 64 * 1024,
          signal: AbortSignal.timeout(ep.timeoutMs), responseType: 'text', transformResponse: [(d: unknown) => d], validateStatus: () => true,
        });
      } finally {
        agents.httpAgent.destroy();
        agents.httpsAgent.destroy();
      }
      const body = (() => {
        try {
          return JSON.parse(res.data) as { key?: unknown; error?: unknown };
        } catch {
          return {};
        }
      })();
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        throw new ConfigError(`enrollment refused: HTTP ${res.status} ${oneLine(String(body.error ?? ''), 160)}`);
      }
      if (res.status !== 200 || typeof body.key !== 'string' || !/^[\x21-\x7e]{16,512}$/.test(body.key)) {
        deps.log(`ratwatch: enroll: ${enrollUrl(ep.url)} answered HTTP ${res.status} without a key; try again later`);
        return deps.setExit(EXIT_NOT_DONE);
      }
      await fs.mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
      await atomicWrite(keyFile, `${body.key}\n`, 0o600);
      deps.log(`ratwatch: enrolled as ${agentId}; key kept in ${keyFile}${ep.tokenFile ? '' : ` (set endpoint.tokenFile: ${keyFile})`}`);
      deps.setExit(0);
    } catch (e) {
      deps.log(`ratwatch: enroll: ${redact(oneLine(e), [secret])}`);
      deps.setExit(e instanceof ConfigError ? EXIT_BAD_INPUT : EXIT_NOT_DONE);
    }
  });
}
