import { errorLine } from '../../agent/log-line.ts';
import { clean } from '../../agent/text.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleApi } from '../api/routes.ts';
import { type IngestBatcher, Overloaded } from '../ingest/batcher.ts';
import { enroll } from '../ingest/enroll.ts';
import { authenticateAgent, receiveReport, Refusal, type IngestLimits } from '../ingest/receive.ts';
import type { Store } from '../store/types.ts';
import { clientAddress } from './client-address.ts';
import { HttpError, sendError, sendJson } from './respond.ts';

export const INGEST_PATH = '/v1/reports';
export const ENROLL_PATH = '/v1/enroll';

export interface HandlerOptions {
  store: Store;
  batcher: IngestBatcher;
  limits: IngestLimits;
  hmacKey?: Buffer | undefined;
  enrollSecret: string;
  trustedProxies: ReadonlySet<string>;
  maxQueue: number;
  now: () => Date;
  log: (line: string) => void;
  siemSinks?: readonly string[] | undefined;
}

const RETRY_AFTER_OVERLOAD_S = '5';
const RETRY_AFTER_STORE_S = '10';

export function makeHandler(o: HandlerOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void route(req, res, o).catch((e) => {
      if (e instanceof HttpError) return sendError(res, e.status, e.message);
      o.log(`ratwatch-server: ${req.method} ${clean(String(req.url), 100)}: ${errorLine(e)}`);
      sendError(res, 503, 'server cannot store right now; retry later', { 'retry-after': RETRY_AFTER_STORE_S });
    });
  };
}

async function route(req: IncomingMessage, res: ServerResponse, o: HandlerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://server.invalid');
  if (url.pathname === INGEST_PATH) {
    if (req.method !== 'POST') throw new HttpError(405, 'POST reports here');
    return ingest(req, res, o);
  }
  if (url.pathname === ENROLL_PATH) {
    if (req.method !== 'POST') throw new HttpError(405, 'POST enrollment here');
    return sendJson(res, 200, await enroll(req, o.store, o.enrollSecret, o.now()));
  }
  if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
  if (url.pathname.startsWith('/api/')) return handleApi(req, res, url, { store: o.store, now: o.now, siemSinks: o.siemSinks });
  throw new HttpError(404, 'not found');
}

async function ingest(req: IncomingMessage, res: ServerResponse, o: HandlerOptions): Promise<void> {
  // Refused before the body is read: an overloaded server should spend nothing on the request.
  if (o.batcher.depth >= o.maxQueue) return sendError(res, 429, 'server busy; retry later', { 'retry-after': RETRY_AFTER_OVERLOAD_S });
  let agentId: string | undefined;
  try {
    agentId = await authenticateAgent(req, o.store);
    const item = await receiveReport(req, agentId, clientAddress(req, o.trustedProxies), {
      store: o.store,
      limits: o.limits,
      hmacKey: o.hmacKey,
      now: o.now,
    });
    const outcome = await o.batcher.submit(item);
    sendJson(res, 200, { status: outcome, reportId: item.report.reportId });
  } catch (e) {
    if (e instanceof Overloaded) return sendError(res, 429, 'server busy; retry later', { 'retry-after': RETRY_AFTER_OVERLOAD_S });
    if (!(e instanceof Refusal)) throw e;
    if (e.tamper && e.agentId) await recordBadSignature(o, e.agentId, e.message);
    // An unread body (413 on Content-Length) must not be parsed as the next request on this connection.
    sendError(res, e.status, e.message, e.status === 413 ? { connection: 'close' } : {});
  }
}

async function recordBadSignature(o: HandlerOptions, agentId: string, why: string): Promise<void> {
  const at = o.now().toISOString();
  try {
    await o.store.recordEvent({ agentId, at, type: 'bad-signature', detail: { why } });
    const host = await o.store.getHost(agentId);
    await o.store.upsertAlert(
      {
        rule: 'bad-signature',
        subject: agentId,
        severity: 'high',
        title: `a report for ${host?.hostname ?? agentId} failed signature verification`,
        explanation: { kind: 'bad-signature', why },
        agentIds: [agentId],
      },
      at,
    );
  } catch (e) {
    o.log(`ratwatch-server: could not record a bad signature: ${errorLine(e)}`);
  }
}
