import type { AxiosResponse } from 'axios';
import { oneLine } from '../config/errors.ts';
import { endpointUrlProblem } from '../config/loopback.ts';
import type { EndpointConfig } from '../config/types.ts';
import { encodeReport } from '../report/encode.ts';
import { HEC_PATH } from '../report/splunk.ts';
import type { NativeReport } from '../report/types.ts';
import type { SpoolRecords } from '../spool/records.ts';
import { VERSION } from '../version.ts';
import { makeAgents } from './agent.ts';
import { HecDelivery } from './hec-ack.ts';
import { readCa, readHmacKey, readToken } from './credentials.ts';
import { redact, TransportError } from './errors.ts';
import { parseRetryAfter } from './retry.ts';
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER } from './sign.ts';

/** 2xx is delivered whatever the body says (a garbled 200 still means the server took the bytes). */
export type SendResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  | { outcome: 'rejected'; status: number; reason: string };

export interface ClientDeps {
  env?: NodeJS.ProcessEnv | undefined;
  now?: () => number;
  /** Where splunk-hec keeps its channel id and unacknowledged sends (the spool); in memory when absent. */
  records?: SpoolRecords;
  log?: (line: string) => void;
}

function printable(s: string, max: number): string {
  return oneLine(s.replace(/[^\x20-\x7e]+/g, ' '), max);
}

/**
 * One delivery session: secrets and CA are read when it opens (so rotations apply on the next flush),
 * sockets are closed when it closes. Requests never follow redirects and never use a proxy.
 */
export class ReportClient {
  private readonly agents: ReturnType<typeof makeAgents>;
  private readonly token?: string | undefined;
  private readonly key?: Buffer | undefined;
  private readonly url: URL;
  private readonly where: string;
  private readonly hec?: HecDelivery;

  constructor(
    private readonly ep: EndpointConfig & { url: string },
    private readonly deps: ClientDeps = {},
  ) {
    // Checked again here and not only in loadConfig: a Config built by hand must not leak http either.
    const problem = endpointUrlProblem(ep.url, ep.allowInsecureHttp);
    if (problem) throw new TransportError(`endpoint.url ${problem}`, false);
    this.url = new URL(ep.url);
    if (ep.format === 'splunk-hec' && (this.url.pathname === '/' || this.url.pathname === '')) this.url.pathname = HEC_PATH;
    this.where = `POST ${this.url.origin}${this.url.pathname}`;
    this.token = readToken(ep, deps.env ?? process.env);
    this.key = readHmacKey(ep);
    this.agents = makeAgents(readCa(ep), ep.connectTimeoutMs);
    if (ep.format === 'splunk-hec') this.hec = new HecDelivery(this, this.url, ep, deps);
  }

  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private headers(r: NativeReport | undefined, body: Buffer, gzipped = this.ep.gzip): Record<string, string> {
    const ts = String(Math.floor((this.deps.now?.() ?? Date.now()) / 1000));
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': `ratwatch/${VERSION}`,
      ...(r
        ? {
            'x-ratwatch-report-id': r.reportId,
            'x-ratwatch-agent-id': r.agentId,
            'x-ratwatch-report-kind': r.kind,
            'x-ratwatch-sequence': String(r.sequence),
          }
        : {}),
      [TIMESTAMP_HEADER]: ts,
    };
    if (gzipped) h['content-encoding'] = 'gzip';
    if (this.token) h.authorization = `${this.ep.format === 'splunk-hec' ? 'Splunk' : 'Bearer'} ${this.token}`;
    // only reports are signed: an HEC ack query carries no report headers to bind
    if (this.key && r) {
      h[SIGNATURE_HEADER] = signRequest(this.key, {
        method: 'POST',
        path: `${this.url.pathname}${this.url.search}`,
        timestamp: ts,
        agentId: r.agentId,
        reportId: r.reportId,
        sequence: r.sequence,
        kind: r.kind,
        body,
      });
    }
    return h;
  }

  clean(text: string): string {
    return redact(text, [this.token, this.key?.toString('utf8')]);
  }

  async send(r: NativeReport): Promise<SendResult> {
    if (this.hec) return this.hec.send(r);
    const res = await this.post(this.url, encodeReport(r, this.ep.format), r);
    return 'error' in res ? { outcome: 'retry', reason: res.error } : this.classify(res);
  }

  /** One POST with this session's sockets, limits and credentials; a network failure or timeout comes back as one line. */
  async post(
    url: URL,
    plain: Buffer,
    r?: NativeReport,
    extra: Record<string, string> = {},
    gzip = this.ep.gzip,
  ): Promise<AxiosResponse<string> | { error: string }> {
    // zlib loads on the first report sent, not in every command that imports this module
    const body = gzip ? process.getBuiltinModule('node:zlib').gzipSync(plain) : plain;
    // loaded on the first send (a scan that reports nothing never pays for axios: ~160 ms, ~17 MiB), and
    // before the request's clock starts, so loading it never eats into the endpoint's time limit
    const { default: axios } = await import('axios');
    const signal = AbortSignal.timeout(this.ep.timeoutMs);
    const where = `POST ${url.origin}${url.pathname}`;
    try {
      return await axios.request<string>({
        method: 'POST',
        url: url.toString(),
        data: body,
        headers: { ...this.headers(r, body, gzip), ...extra },
        httpAgent: this.agents.httpAgent,
        httpsAgent: this.agents.httpsAgent,
        proxy: false,
        maxRedirects: 0,
        maxContentLength: this.ep.maxResponseBytes,
        maxBodyLength: Infinity,
        signal, // the whole-request budget; connect has its own (agent.ts)
        responseType: 'text',
        transformRequest: [(d: unknown) => d],
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
      });
    } catch (e) {
      const why =
        signal.aborted || (e as { code?: string }).code === 'ECONNABORTED'
          ? `timed out after ${this.ep.timeoutMs} ms`
          : oneLine(this.clean(oneLine(e, Infinity)), 200).replace(
              /^maxContentLength size of (\d+) exceeded$/,
              'response larger than $1 bytes',
            );
      return { error: `${where}: ${why}` };
    }
  }

  classify(res: AxiosResponse<string>): SendResult {
    const s = res.status;
    if (s >= 200 && s < 300) return { outcome: 'delivered', status: s };
    // Redact before cutting: a cut through an echoed token would leave a prefix of it that redact cannot match.
    const text = typeof res.data === 'string' ? printable(this.clean(res.data), 160) : '';
    const label = `${this.where}: HTTP ${s}${text ? ` ${text}` : ''}`;
    if (s === 408 || s === 429 || s >= 500) {
      const ra = parseRetryAfter(res.headers['retry-after'] as string | undefined, this.deps.now?.() ?? Date.now());
      return { outcome: 'retry', reason: label, ...(ra !== undefined ? { retryAfterMs: ra } : {}) };
    }
    // A redirect is a server or proxy misconfiguration that may be fixed without touching the agent.
    if (s >= 300 && s < 400) return { outcome: 'retry', reason: `${this.where}: HTTP ${s} redirect not followed` };
    return { outcome: 'rejected', status: s, reason: label };
  }
}
