import { errorLine } from '../agent/log-line.ts';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A pilot's HTTPS without a PKI: on first start a self-signed certificate (its own CA) for this machine's
// names and addresses is made with openssl (Node 20 cannot make X.509), and agents trust exactly it
// through endpoint.caFile. A given cert/key pair is used as is.

const OPENSSL = '/usr/bin/openssl';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  generated: boolean;
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { timeout: 60_000, maxBuffer: 1024 * 1024 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${OPENSSL} failed: ${errorLine(stderr || err)}`));
      else resolve();
    });
  });
}

function subjectAltNames(extra: string[]): string {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  const host = os.hostname();
  if (/^[A-Za-z0-9.-]{1,253}$/.test(host)) names.add(`DNS:${host}`);
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (!a.internal) names.add(`IP:${a.address.replace(/%.*$/, '')}`);
  for (const n of extra) names.add(/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`);
  return [...names].join(',');
}

export async function ensureSelfSigned(dir: string, extraNames: string[] = []): Promise<TlsFiles> {
  const certFile = path.join(dir, 'tls-cert.pem');
  const keyFile = path.join(dir, 'tls-key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) return { certFile, keyFile, generated: false };
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmpKey = `${keyFile}.tmp`;
  await run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    tmpKey,
    '-out',
    `${certFile}.tmp`,
    '-days',
    '825',
    '-subj',
    '/CN=ratwatch-server',
    '-addext',
    `subjectAltName=${subjectAltNames(extraNames)}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  fs.chmodSync(tmpKey, 0o600);
  fs.renameSync(tmpKey, keyFile);
  fs.renameSync(`${certFile}.tmp`, certFile);
  return { certFile, keyFile, generated: true };
}

export function fingerprint(certFile: string): string {
  return new X509Certificate(fs.readFileSync(certFile)).fingerprint256;
}
