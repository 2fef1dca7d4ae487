import { createHash, createHmac } from 'node:crypto';

// X-Ratwatch-Signature: v2=<hex of HMAC-SHA256(key, canonical string)>. Version 1 covered only the
// timestamp and the body, and every OCSF heartbeat body is the same, so a captured signature replayed
// under another agent id, report id, sequence or kind. The canonical string binds all of them:
//
//   ratwatch-signature-v2 \n METHOD \n path?query \n timestamp \n agent id \n report id \n sequence \n kind \n hex sha256(body)
//
// Lines joined by a single "\n", no trailing newline; the body is the bytes on the wire (after gzip),
// so a receiver verifies before decompressing. Header values never contain a newline (agent ids,
// uuids, integers, kind names). Documented in agent/report/PROTOCOL.md.

export const SIGNATURE_HEADER = 'x-ratwatch-signature';
export const TIMESTAMP_HEADER = 'x-ratwatch-timestamp';
export const SIGNATURE_VERSION = 'v2';

export interface SignedRequest {
  method: string;
  /** Path and query as sent: "/ingest" or "/services/collector/event?channel=x". */
  path: string;
  timestamp: string;
  agentId: string;
  reportId: string;
  sequence: number;
  kind: string;
  body: Buffer;
}

export function canonicalString(r: SignedRequest): string {
  const bodyHash = createHash('sha256').update(r.body).digest('hex');
  return [
    'ratwatch-signature-v2',
    r.method.toUpperCase(),
    r.path,
    r.timestamp,
    r.agentId,
    r.reportId,
    String(r.sequence),
    r.kind,
    bodyHash,
  ].join('\n');
}

export function signRequest(key: Buffer, r: SignedRequest): string {
  return `${SIGNATURE_VERSION}=${createHmac('sha256', key).update(canonicalString(r), 'utf8').digest('hex')}`;
}
