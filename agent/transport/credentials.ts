import fs from 'node:fs';
import type { EndpointConfig } from '../config/types.ts';
import { ConfigError } from '../config/errors.ts';
import { TransportError } from './errors.ts';

// Secrets are read for each delivery run rather than once at start, so a rotated token file takes
// effect without restarting the daemon. Errors name the file, never its content.

const MAX_SECRET_BYTES = 64 * 1024;
const MAX_CA_BYTES = 4 * 1024 * 1024; // a full system bundle is a few hundred KiB
export const DEFAULT_TOKEN_ENV = 'RATWATCH_TOKEN';

function readSmall(file: string, what: string, max = MAX_SECRET_BYTES): Buffer {
  try {
    const st = fs.statSync(file);
    if (st.size > max) throw new TransportError(`${what} ${file}: larger than ${max} bytes`);
    return fs.readFileSync(file);
  } catch (e) {
    if (e instanceof TransportError) throw e;
    throw new TransportError(`${what} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
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

export function readCa(ep: EndpointConfig): Buffer | undefined {
  return ep.caFile ? readSmall(ep.caFile, 'endpoint.caFile', MAX_CA_BYTES) : undefined;
}

/**
 * Reads every secret once before a command starts, so a missing token file or a short HMAC key stops
 * `scan --report` and `daemon` at once with exit 2, instead of filling the spool with reports that can
 * never be sent. Deliveries still re-read them, for rotation.
 */
export function checkCredentials(ep: EndpointConfig, env: NodeJS.ProcessEnv): void {
  try {
    readToken(ep, env);
    readHmacKey(ep);
    readCa(ep);
  } catch (e) {
    if (e instanceof TransportError) throw new ConfigError(e.message);
    throw e;
  }
}
