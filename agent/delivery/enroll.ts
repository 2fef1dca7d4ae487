import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AxiosResponse } from 'axios';
import { oneLine } from '../config/errors.ts';
import type { Config, EndpointConfig } from '../config/types.ts';
import { atomicWrite } from '../spool/atomic.ts';
import { spoolFilePath } from '../spool/records.ts';
import { makeAgents } from '../transport/agent.ts';
import { readCa } from '../transport/credentials.ts';
export { enrollSecretProblem, readEnrollSecret, readGivenEnrollSecret } from '../transport/credentials.ts';
import { redact } from '../transport/errors.ts';
import { VERSION } from '../version.ts';

// Enrollment with ratwatch-server (PROTOCOL.md, "Enrollment"): the fleet's enrollment secret is traded
// once for this agent's own key, kept in endpoint.tokenFile (default <spoolDir>/agent-key), mode 0600.
// Used by `ratwatch enroll` and, when endpoint.enrollSecretFile is set, by delivery before the first report.

export function enrollUrl(reportUrl: string): string {
  return new URL('enroll', reportUrl).toString();
}

/** Where the agent's key lives: endpoint.tokenFile, else <spoolDir>/agent-key. */
export function agentKeyFile(config: Pick<Config, 'spoolDir'> & { endpoint: Pick<EndpointConfig, 'tokenFile'> }): string {
  return config.endpoint.tokenFile ?? spoolFilePath(config.spoolDir, 'agentKey');
}

export type EnrollOutcome =
  | { outcome: 'enrolled'; keyFile: string }
  | { outcome: 'refused'; reason: string } // the server will not take this secret or request: fix and retry
  | { outcome: 'failed'; reason: string }; // not reached or no usable answer: try again later

/** One enrollment request; writes the key atomically with mode 0600 on success. Never throws for network or HTTP trouble. */
export async function enrollAgent(config: Config & { endpoint: { url: string } }, secret: string, agentId: string): Promise<EnrollOutcome> {
  const ep = config.endpoint;
  const keyFile = agentKeyFile(config);
  const url = enrollUrl(ep.url);
  let res: AxiosResponse<string>;
  try {
    // loaded here: every command that imports delivery (a scan, --help) would otherwise pay for axios
    const { default: axios } = await import('axios');
    const agents = makeAgents(readCa(ep), ep.connectTimeoutMs);
    try {
      res = await axios.request<string>({
        method: 'POST',
        url,
        data: JSON.stringify({ enrollSecret: secret, agentId, hostname: os.hostname() }),
        headers: { 'content-type': 'application/json', 'user-agent': `ratwatch/${VERSION}` },
        httpAgent: agents.httpAgent,
        httpsAgent: agents.httpsAgent,
        proxy: false,
        maxRedirects: 0,
        maxContentLength: 64 * 1024,
        signal: AbortSignal.timeout(ep.timeoutMs),
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
      });
    } finally {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    }
  } catch (e) {
    return { outcome: 'failed', reason: redact(oneLine(e), [secret]) };
  }
  const body = (() => {
    try {
      return JSON.parse(res.data) as { key?: unknown; error?: unknown };
    } catch {
      return {};
    }
  })();
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    return {
      outcome: 'refused',
      reason: redact(`enrollment refused: HTTP ${res.status} ${oneLine(String(body.error ?? ''), 160)}`.trim(), [secret]),
    };
  }
  if (res.status !== 200 || typeof body.key !== 'string' || !/^[\x21-\x7e]{16,512}$/.test(body.key)) {
    return { outcome: 'failed', reason: `${url} answered HTTP ${res.status} without a key` };
  }
  await fs.mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  await atomicWrite(keyFile, `${body.key}\n`, 0o600);
  return { outcome: 'enrolled', keyFile };
}
