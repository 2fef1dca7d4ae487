import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../agent/config/load.ts';
import { readHmacKey, readToken } from '../../../../agent/transport/credentials.ts';
import { redact, TransportError } from '../../../../agent/transport/errors.ts';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../../../agent/transport/retry.ts';
import { signRequest } from '../../../../agent/transport/sign.ts';

const dir = mkdtempSync(join(tmpdir(), 'ratwatch-transport-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Retry-After', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  it('reads delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0); // in the past
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('is capped by retryMaxSeconds', () => {
    expect(retryDelay(1, 7200_000, { baseMs: 1000, maxMs: 60_000 })).toBe(60_000);
    expect(retryDelay(1, 5_000, { baseMs: 1000, maxMs: 60_000 })).toBe(5_000);
    // "Retry-After: 0" does not shorten the backoff into a busy loop
    expect(retryDelay(4, 0, { baseMs: 1000, maxMs: 60_000 }, () => 1)).toBe(8_000);
  });
});

describe('backoff', () => {
  it('doubles per failure up to the cap, with 50-100% jitter', () => {
    const p = { baseMs: 1000, maxMs: 16_000 };
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, p, () => 1))).toEqual([1000, 2000, 4000, 8000, 16_000, 16_000, 16_000]);
    expect(backoffDelay(3, p, () => 0)).toBe(2000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2, p);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});

describe('credentials', () => {
  it('reads the token from a file or a named variable, and says which without the value', () => {
    const tf = join(dir, 'token');
    writeFileSync(tf, 'tok-file-123456\n', { mode: 0o600 }); // secrets are refused when others can read them
    const base = loadConfig({ env: {} }).endpoint;
    expect(readToken({ ...base, tokenFile: tf }, {})).toBe('tok-file-123456');
    expect(readToken({ ...base, tokenEnv: 'MY_TOKEN' }, { MY_TOKEN: 'tok-env-abcdef' })).toBe('tok-env-abcdef');
    expect(readToken(base, { RATWATCH_TOKEN: 'tok-default' })).toBe('tok-default');
    expect(readToken(base, {})).toBeUndefined();
    expect(() => readToken({ ...base, tokenEnv: 'MY_TOKEN' }, {})).toThrow('endpoint.tokenEnv: variable MY_TOKEN is not set');
    expect(() => readToken({ ...base, tokenFile: join(dir, 'nope') }, {})).toThrow(TransportError);
    expect(() => readToken({ ...base, tokenFile: join(dir, 'nope') }, {})).toThrow(/cannot read \(ENOENT\)/);
    writeFileSync(tf, 'two\nlines-secret\n');
    let msg = '';
    try {
      readToken({ ...base, tokenFile: tf }, {});
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe('endpoint token contains a line break or NUL');
  });

  it('reads an HMAC key without its trailing newline and refuses short keys', () => {
    const kf = join(dir, 'key');
    writeFileSync(kf, '0123456789abcdef0123\r\n', { mode: 0o600 });
    const base = loadConfig({ env: {} }).endpoint;
    expect(readHmacKey({ ...base, hmacKeyFile: kf })!.toString()).toBe('0123456789abcdef0123');
    writeFileSync(kf, 'short\n');
    expect(() => readHmacKey({ ...base, hmacKeyFile: kf })).toThrow(/shorter than 16 bytes/);
  });
});

describe('signature and redaction', () => {
  it('signs the v2 canonical string (method, path, timestamp, ids, sequence, kind, body hash), as openssl computes it', () => {
    const key = Buffer.from('k'.repeat(32));
    const body = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x2e, 0x0a]); // bytes, not text: what goes on the wire
    const bodyHash = /([0-9a-f]{64})\s*$/.exec(execFileSync('openssl', ['dgst', '-sha256'], { input: body }).toString())![1];
    const canonical = `ratwatch-signature-v2\nPOST\n/ingest?x=1\n1795435200\nagent-1\n11111111-2222-4333-8444-555555555555\n7\nheartbeat\n${bodyHash}`;
    const out = execFileSync('openssl', ['dgst', '-sha256', '-mac', 'HMAC', '-macopt', `key:${key}`], { input: canonical }).toString();
    const hex = /([0-9a-f]{64})\s*$/.exec(out)![1];
    const req = {
      method: 'POST',
      path: '/ingest?x=1',
      timestamp: '1795435200',
      agentId: 'agent-1',
      reportId: '11111111-2222-4333-8444-555555555555',
      sequence: 7,
      kind: 'heartbeat',
      body,
    };
    expect(signRequest(key, req)).toBe(`v2=${hex}`);
  });

  it('removes a secret in plain, URI and base64 form', () => {
    const s = 'tok/+=secret';
    const text = `a ${s} b ${encodeURIComponent(s)} c ${Buffer.from(s).toString('base64')}`;
    expect(redact(text, [s, undefined])).toBe('a [redacted] b [redacted] c [redacted]');
  });
});
