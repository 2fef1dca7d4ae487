import { execFileSync } from 'node:child_process';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../agent/config/load.ts';
import type { Config } from '../../agent/config/types.ts';
import type { Finding, ScanResult } from '../../agent/model.ts';

// Test side of reporting: a real TLS receiver on 127.0.0.1 with a CA made here by openssl, and plain
// ScanResult objects as input. The receiver checks what a real one would (signature, gzip) on its own,
// with node:crypto, not with the agent's code.

export interface Certs {
  caFile: string;
  keyFile: string;
  certFile: string;
}

export function makeCerts(dir: string): Certs {
  const f = (n: string) => join(dir, n);
  const ossl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', timeout: 30_000 });
  ossl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=ratwatch test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ossl([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  ]);
  return { caFile: f('ca.pem'), keyFile: f('server.key'), certFile: f('server.pem') };
}

/** The certificates made once by the mutation run's globalSetup, or new ones in dir. */
export function sharedCerts(dir: string): Certs {
  const shared = process.env.RATWATCH_TEST_CERTS_DIR;
  if (!shared) return makeCerts(dir);
  const f = (n: string) => join(shared, n);
  return { caFile: f('ca.pem'), keyFile: f('server.key'), certFile: f('server.pem') };
}

export interface Received {
  n: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  wire: Buffer; // bytes as they arrived
  text: string; // after gunzip
  signatureOk?: boolean; // undefined when the receiver has no key
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string }
  | 'hang' // read the request, never answer
  | 'drop'; // read the request, then cut the connection without answering

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  reply: (r: Received) => Reply;
  close(): Promise<void>;
}

function verify(key: Buffer, r: Received): boolean {
  const ts = String(r.headers['x-ratwatch-timestamp'] ?? '');
  const got = String(r.headers['x-ratwatch-signature'] ?? '');
  // Written from PROTOCOL.md, not from agent code: what a receiver in another language would do
  const h = (n: string) => String(r.headers[n] ?? '');
  const canonical = [
    'ratwatch-signature-v2',
    'POST',
    r.path,
    ts,
    h('x-ratwatch-agent-id'),
    h('x-ratwatch-report-id'),
    h('x-ratwatch-sequence'),
    h('x-ratwatch-report-kind'),
    createHash('sha256').update(r.wire).digest('hex'),
  ].join('\n');
  const want = `v2=${createHmac('sha256', key).update(canonical).digest('hex')}`;
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
  return fresh && got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
}

export async function startReceiver(certs: Certs, opts: { hmacKey?: Buffer; port?: number | undefined } = {}): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const rx: Receiver = {
    url: '',
    port: 0,
    received: [],
    reply: () => ({ status: 200, body: '{"ok":true}' }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = https.createServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire).toString('utf8');
      const r: Received = { n: rx.received.length + 1, path: req.url ?? '', headers: req.headers, wire, text };
      if (opts.hmacKey) r.signatureOk = verify(opts.hmacKey, r);
      rx.received.push(r);
      const reply = rx.reply(r);
      if (reply === 'hang') return;
      if (reply === 'drop') return void req.socket.destroy();
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  rx.port = (server.address() as AddressInfo).port;
  rx.url = `https://127.0.0.1:${rx.port}/ingest`;
  return rx;
}

/**
 * Reads a HEC batch (JSON objects written back to back) without trusting any separator, the way HEC does:
 * `bad` is the index of the first event that is not a JSON object (junk between objects, invalid JSON, or
 * one left open at the end); the objects before it are in `objects`.
 */
export function readConcatenatedJson(text: string): { objects: unknown[]; bad?: number } {
  const objects: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      try {
        objects.push(JSON.parse(text.slice(start, i + 1)));
      } catch {
        return { objects, bad: objects.length };
      }
    } else if (depth === 0 && !/\s/.test(c)) return { objects, bad: objects.length };
  }
  return depth === 0 ? { objects } : { objects, bad: objects.length };
}

/** The objects of a HEC batch the agent wrote; throws when it is not one. */
export function splitConcatenatedJson(text: string): unknown[] {
  const { objects, bad } = readConcatenatedJson(text);
  if (bad !== undefined) throw new Error(`not a HEC batch: event ${bad} is not a JSON object`);
  return objects;
}

export function finding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id,
    tool: { id: id.split(':')[0], name: `Tool ${id.split(':')[0]}`, category: 'remote-desktop' },
    severity: 'high',
    status: 'finding',
    state: 'running',
    attack: ['T1219'],
    evidence: [
      {
        type: 'process',
        strength: 'strong',
        pid: 4100,
        name: id.split(':')[0],
        exe: `/opt/${id.split(':')[0]}/bin/${id.split(':')[0]}`,
        matchedBy: 'name',
      },
      { type: 'file', strength: 'corroborating', path: `C:\\Program Files\\${id.split(':')[0]}\\${id.split(':')[0]}.exe` },
    ],
    ...over,
  };
}

/** A plain ScanResult, as agent/scan.ts would return it, with the given findings. */
export function scanResult(findings: Finding[], over: Partial<ScanResult> = {}): ScanResult {
  return {
    schema: 'ratwatch.scan/2',
    scanId: '3b241101-e2bb-4255-8caf-4136c566a962',
    host: {
      hostname: 'laptop-7',
      os: 'linux',
      osVersion: 'Debian 12',
      arch: 'x64',
      collectedAt: '2026-11-23T10:00:00.000Z',
      agentVersion: '0.1.0',
    },
    context: { timezone: 'Europe/Berlin' },
    sources: [
      { name: 'linux.processes', ok: true, count: 120, durationMs: 40 },
      { name: 'linux.usb', ok: false, error: 'EACCES /sys/bus/usb', count: 0, durationMs: 2 },
    ],
    counts: { processes: 120, packages: 900, services: 60, sockets: 25, devices: 4, settings: 3 },
    catalog: { tools: 80, generatedAt: '2026-11-22T00:00:00Z' },
    findings,
    ...over,
  };
}

/** A config the way an operator would give it (flags), on the given spool and receiver. */
export function reportConfig(spoolDir: string, flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    env,
    flags: {
      spoolDir,
      jitterSeconds: '0',
      retryBaseSeconds: '0.05',
      retryMaxSeconds: '2',
      timeoutMs: '3000',
      connectTimeoutMs: '2000',
      ...flags,
    },
  });
}
