import { createHmac } from 'node:crypto';

// X-Ratwatch-Signature: sha256=<hex of HMAC-SHA256(key, "<X-Ratwatch-Timestamp>.<body bytes as sent>")>.
// The bytes are the ones on the wire (after gzip), so a receiver verifies before decompressing. The
// timestamp (Unix seconds) is inside the MAC, so a receiver that rejects stale timestamps (a few
// minutes) and remembers reportIds within that window stops replays.

export const SIGNATURE_HEADER = 'x-ratwatch-signature';
export const TIMESTAMP_HEADER = 'x-ratwatch-timestamp';

export function signBody(key: Buffer, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex')}`;
}
