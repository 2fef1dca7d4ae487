import { setTimeout as sleep } from 'node:timers/promises';
import { parseAnswer } from '../../agent/transport/hec-ack.ts';
import { post } from './post.ts';

// Splunk HEC indexer acknowledgment for the server's SIEM sink ("About HTTP Event Collector Indexer
// Acknowledgment"): POST {"acks":[id]} to /services/collector/ack on the send's channel until it answers
// {"acks":{"<id>":true}}. Bounded in queries and in time; Splunk forgets a status once it read as true.

const MAX_QUERIES = 20;
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 2_000;

/** undefined once `ackId` is indexed; otherwise why not (not yet within `waitMs`, or the ack endpoint's error). */
export async function awaitAck(
  url: URL,
  ackId: number,
  headers: Record<string, string>,
  o: { ca?: Buffer | undefined; timeoutMs: number; waitMs: number },
): Promise<string | undefined> {
  const deadline = Date.now() + o.waitMs;
  let pause = FIRST_PAUSE_MS;
  for (let n = 1; n <= MAX_QUERIES; n++) {
    const left = Math.max(100, deadline - Date.now());
    const r = await post(url, JSON.stringify({ acks: [ackId] }), headers, { ca: o.ca, timeoutMs: Math.min(o.timeoutMs, left) });
    if (!r.ok) return `${r.reason} to the ack query ${(r.answer ?? '').replace(/\s+/g, ' ').slice(0, 160)}`.trim();
    const acks = parseAnswer(r.answer).acks as Record<string, unknown> | undefined;
    if (acks && typeof acks === 'object' && acks[String(ackId)] === true) return undefined;
    const wait = Math.min(pause, deadline - Date.now());
    if (wait <= 0) break;
    await sleep(wait);
    pause = Math.min(MAX_PAUSE_MS, pause * 2);
  }
  return `HEC ${url.origin} did not acknowledge ackId ${ackId} within ${o.waitMs} ms: the batch goes again`;
}
