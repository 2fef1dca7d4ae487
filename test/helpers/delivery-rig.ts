import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { sharedCerts, startReceiver, type Certs, type Receiver } from './report-helpers.ts';

// The reporter tests against a real HTTPS receiver on 127.0.0.1: one temporary root with the certificates,
// a fresh receiver and spool folder per test.

/** The agent's clock in these tests. */
export const T0 = Date.parse('2026-11-23T10:00:00Z');

export interface DeliveryCase {
  rx: Receiver;
  /** The spool folder, not yet created. */
  dir: string;
  logs: string[];
  /** Reporter flags pointing at rx, with retries backing off from 10 s to 100 s. */
  flags: Record<string, string>;
}

/**
 * Returns the maker of each test's case. Call at module level: it registers the hooks that make the
 * certificates, close the receivers after each test and remove the root after the file.
 */
export function deliveryRig(prefix: string): () => Promise<DeliveryCase> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  let certs: Certs;
  const open: Receiver[] = [];
  let n = 0;
  beforeAll(() => {
    certs = sharedCerts(root);
  });
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return async () => {
    const rx = await startReceiver(certs);
    open.push(rx);
    const flags = { endpointUrl: rx.url, caFile: certs.caFile, retryBaseSeconds: '10', retryMaxSeconds: '100' };
    return { rx, dir: join(root, `s${++n}`), logs: [], flags };
  };
}

/** The spool's backoff record as written. */
export const backoff = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'backoff.json'), 'utf8')) as { failures: number; nextAttemptAt: number };
