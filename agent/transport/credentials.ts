import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { oneLine } from '../config/errors.ts';
import { readSafeFile } from '../config/safe-file.ts';
import type { EndpointConfig } from '../config/types.ts';
import { ConfigError } from '../config/errors.ts';
import { TransportError } from './errors.ts';

// Secrets are read for each delivery run rather than once at start, so a rotated token file takes
// effect without restarting the daemon. Errors name the file, never its content.

const MAX_SECRET_BYTES = 64 * 1024;
const MAX_CA_BYTES = 4 * 1024 * 1024; // a full system bundle is a few hundred KiB
export const DEFAULT_TOKEN_ENV = 'RATWATCH_TOKEN';

function readSmall(file: string, what: string, max = MAX_SECRET_BYTES, secret = true): Buffer {
  try {
    return readSafeFile(file, { what, maxBytes: max, trusted: true, secret, noFollow: true });
  } catch (e) {
    throw new TransportError(oneLine(e));
  }
}

/** The token, trimmed; undefined when none is configured. */
export function readToken(ep: EndpointConfig, env: NodeJS.ProcessEnv): string | undefined {
  let token: string | undefined;
  if (ep.tokenFile) {
    token = readSmall(ep.tokenFile, 'endpoint.tokenFile').toString('utf8').trim();
    if (!token) throw new TransportError(`endpoint.tokenFile ${ep.tokenFile}: file is empty`);
  } else {
    const name = ep.tokenEnv ?? DEFAULT_TOKEN_ENV;
    token = env[name]?.trim() || undefined;
    if (ep.tokenEnv && !token) throw new TransportError(`endpoint.tokenEnv: variable ${name} is not set`);
  }
  if (token && /[\r\n\0]/.test(token)) throw new TransportError('endpoint token contains a line break or NUL');
  return token;
}

/** The HMAC key: the file's bytes without a trailing line break (keys are usually written with echo). */
export function readHmacKey(ep: EndpointConfig): Buffer | undefined {
  if (!ep.hmacKeyFile) return undefined;
  let key = readSmall(ep.hmacKeyFile, 'endpoint.hmacKeyFile');
  while (key.length && (key[key.length - 1] === 0x0a || key[key.length - 1] === 0x0d)) key = key.subarray(0, key.length - 1);
  if (key.length < 16) throw new TransportError(`endpoint.hmacKeyFile ${ep.hmacKeyFile}: key shorter than 16 bytes`);
  return key;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * The CA bundle, checked to hold at least one PEM certificate that parses: Node takes anything as `ca`
 * and only fails each handshake later, which would fill the spool with reports that never go out.
 */
export function readCa(ep: EndpointConfig): Buffer | undefined {
  if (!ep.caFile) return undefined;
  const ca = readSmall(ep.caFile, 'endpoint.caFile', MAX_CA_BYTES, false);
  const blocks = ca.toString('latin1').match(PEM_CERT) ?? [];
  if (!blocks.length) throw new TransportError(`endpoint.caFile ${ep.caFile}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it`);
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch {
      throw new TransportError(`endpoint.caFile ${ep.caFile}: certificate ${i + 1} is not a valid X.509 certificate`);
    }
  });
  return ca;
}

const ENROLL_SECRET = /^[\x21-\x7e]{8,512}$/;

/** Why a text cannot be an enrollment secret, or undefined when it can. */
export function enrollSecretProblem(secret: string | undefined): string | undefined {
  return secret && ENROLL_SECRET.test(secret) ? undefined : 'the enrollment secret must be 8-512 printable characters';
}

/** The enrollment secret from endpoint.enrollSecretFile (a protected file, like the token file). */
export function readEnrollSecret(file: string): string {
  const secret = readSmall(file, 'endpoint.enrollSecretFile').toString('utf8').trim();
  const problem = enrollSecretProblem(secret);
  if (problem) throw new TransportError(`endpoint.enrollSecretFile ${file}: ${problem}`);
  return secret;
}

/**
 * The text of a secret file given by hand (`ratwatch enroll --enroll-secret-file`): read like every input
 * (a regular file, at most 64 KiB, so /dev/zero or a FIFO cannot hang or fill memory) but not held to
 * StrictModes, since whoever runs the command chose it. The caller trims and checks it.
 */
export function readGivenEnrollSecret(file: string): string {
  try {
    return readSafeFile(file, { what: '--enroll-secret-file', maxBytes: MAX_SECRET_BYTES }).toString('utf8');
  } catch (e) {
    throw new ConfigError(oneLine(e));
  }
}

/** True when the agent has no key yet and will enroll with endpoint.enrollSecretFile before delivering. */
export function needsEnrollment(ep: EndpointConfig): boolean {
  return Boolean(ep.enrollSecretFile && ep.tokenFile && !existsSync(ep.tokenFile));
}

/**
 * Reads every secret once before a command starts, so a missing token file or a short HMAC key stops
 * `scan --report` and `daemon` at once with exit 2, instead of filling the spool with reports that can
 * never be sent. Deliveries still re-read them, for rotation.
 */
export function checkCredentials(ep: EndpointConfig, env: NodeJS.ProcessEnv): void {
  try {
    if (needsEnrollment(ep)) readEnrollSecret(ep.enrollSecretFile!);
    else readToken(ep, env);
    readHmacKey(ep);
    readCa(ep);
  } catch (e) {
    if (e instanceof TransportError) throw new ConfigError(e.message);
    throw e;
  }
}
